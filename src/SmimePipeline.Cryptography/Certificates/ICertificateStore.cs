using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Where the protect stage finds signer keys, recipient certificates and trust anchors.
/// Implementations are thread-safe and cheap to call per message (they cache).
/// </summary>
public interface ICertificateStore
{
    /// <summary>
    /// The signer identity whose certificate names exactly <paramref name="address"/>
    /// (local part case-sensitive as stored, domain case-insensitive), or <see langword="null"/>.
    /// </summary>
    SignerIdentity? FindSigner(string address);

    /// <summary>The encryption certificate of <paramref name="address"/>, or <see langword="null"/>.</summary>
    X509Certificate2? FindRecipientCertificate(string address);

    /// <summary>The trust anchors (root CAs) configured for this store.</summary>
    IReadOnlyList<X509Certificate2> TrustAnchors { get; }
}
