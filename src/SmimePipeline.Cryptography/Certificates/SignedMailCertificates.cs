using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>What a verified signed mail offers for harvesting.</summary>
/// <param name="From">The single From address.</param>
/// <param name="Signer">The certificate whose key made the (verified) signature.</param>
/// <param name="Certificates">Every certificate in the signature's certificate set (signer, encryption certificate, intermediates).</param>
/// <param name="SmimeCapabilities">The DER of the signed SMIMECapabilities attribute value (RFC 8551 §2.5.2), or <see langword="null"/>.</param>
public sealed record SignedMailCertificates(
    string From,
    X509Certificate2 Signer,
    IReadOnlyList<X509Certificate2> Certificates,
    byte[]? SmimeCapabilities);
