using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.CertificateDirectory;

/// <summary>One certificate in the recipient directory.</summary>
/// <param name="Kind">Recipient, anchor or intermediate.</param>
/// <param name="Address">The address it is filed under (domain in lower case); empty for CA certificates.</param>
/// <param name="Thumbprint">SHA-256 of the certificate, lower-case hex.</param>
/// <param name="Subject">The certificate subject.</param>
/// <param name="NotBefore">Start of validity (UTC).</param>
/// <param name="NotAfter">End of validity (UTC).</param>
/// <param name="Der">The certificate, DER.</param>
/// <param name="SmimeCapabilities">The DER SMIMECapabilities harvested with it, or <see langword="null"/>.</param>
/// <param name="AddedAt">When it was added or last updated.</param>
public sealed record DirectoryEntry(
    DirectoryEntryKind Kind,
    string Address,
    string Thumbprint,
    string Subject,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    byte[] Der,
    byte[]? SmimeCapabilities,
    DateTimeOffset AddedAt)
{
    private X509Certificate2? _certificate;

    /// <summary>
    /// The certificate, parsed once per entry: cached entries hand the same object to every lookup, so the
    /// hot path neither re-parses DER nor leaves a native handle per message. Callers must not dispose it.
    /// </summary>
    public X509Certificate2 Certificate => LazyInitializer.EnsureInitialized(ref _certificate, () => X509CertificateLoader.LoadCertificate(Der));

    /// <summary>Loads a new copy of the certificate (the caller disposes it).</summary>
    /// <returns>The certificate.</returns>
    public X509Certificate2 LoadCertificate() => X509CertificateLoader.LoadCertificate(Der);
}
