using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Where validation finds trust anchors, intermediate CA certificates and imported CRLs. Implemented by
/// the certificate directory; implementations are thread-safe and cheap to call (they cache).
/// </summary>
public interface ICertificateAuthoritySource
{
    /// <summary>The configured trust anchors (root CAs).</summary>
    /// <returns>The anchors; empty when none is configured (then nothing validates).</returns>
    IReadOnlyList<X509Certificate2> GetTrustAnchors();

    /// <summary>Known intermediate CA certificates, used to complete chains that arrive without them.</summary>
    /// <returns>The intermediates.</returns>
    IReadOnlyList<X509Certificate2> GetIntermediates();

    /// <summary>Imported CRLs (DER) whose issuer is <paramref name="issuer"/>.</summary>
    /// <param name="issuer">The CRL issuer's name.</param>
    /// <returns>The DER-encoded CRLs; the caller verifies their signatures and dates.</returns>
    IReadOnlyList<byte[]> GetRevocationLists(X500DistinguishedName issuer);
}
