namespace SmimePipeline.Cryptography.Certificates;

/// <summary>One certificate in a certificate store, as <c>smime certs list</c> shows it.</summary>
/// <param name="Kind">Signer, recipient or anchor.</param>
/// <param name="Address">The address it is filed under; <see langword="null"/> for anchors.</param>
/// <param name="Subject">The certificate subject.</param>
/// <param name="Thumbprint">SHA-256 of the certificate, lower-case hex.</param>
/// <param name="NotBefore">Start of validity (UTC).</param>
/// <param name="NotAfter">End of validity (UTC).</param>
public sealed record StoreEntry(
    StoreEntryKind Kind,
    string? Address,
    string Subject,
    string Thumbprint,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter)
{
    /// <summary>For signers, where the private key lives; <see langword="null"/> for other entries.</summary>
    public SignerKeyLocation? KeyLocation { get; init; }

    /// <summary>For signers whose key is in a PKCS#11 token, its <c>pkcs11:</c> URI (never a PIN); else <see langword="null"/>.</summary>
    public string? KeyUri { get; init; }
}
