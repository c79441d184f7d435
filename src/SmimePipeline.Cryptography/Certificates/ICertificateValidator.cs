using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>Validates a certificate on every use: the RFC 8550 rules, the chain, revocation.</summary>
public interface ICertificateValidator
{
    /// <summary>Validates <paramref name="certificate"/> for <paramref name="address"/> and <paramref name="use"/>.</summary>
    /// <param name="address">The address the certificate must name.</param>
    /// <param name="certificate">The end-entity certificate.</param>
    /// <param name="use">Signing or encryption.</param>
    /// <param name="extraIntermediates">Intermediates that came with it (a message's certificate set, a signer's chain).</param>
    /// <exception cref="Errors.ProtectionRefusedException">
    /// CertificateExpired, KeyUsageNotAllowed, AddressNotInCertificate, KeyTooWeak, ChainNotTrusted,
    /// CertificateRevoked, RevocationStatusUnknown.
    /// </exception>
    void Validate(string address, X509Certificate2 certificate, CertificateUse use, IEnumerable<X509Certificate2>? extraIntermediates = null);
}
