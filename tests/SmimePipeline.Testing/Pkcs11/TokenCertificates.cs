using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Testing.Pkcs11;

/// <summary>Issues S/MIME certificates for public keys whose private halves stay in a token.</summary>
public static class TokenCertificates
{
    /// <summary>
    /// An end-entity S/MIME certificate for <paramref name="subjectPublicKeyInfo"/> (RSA or EC), signed by
    /// <paramref name="issuer"/>: rfc822Name <paramref name="address"/>, emailProtection, digitalSignature
    /// (and keyEncipherment for RSA), valid from an hour ago for a year.
    /// </summary>
    /// <param name="issuer">The CA with its private key (RSA or ECDSA).</param>
    /// <param name="address">The mail address.</param>
    /// <param name="subjectPublicKeyInfo">The DER public key.</param>
    /// <returns>The certificate (no private key).</returns>
    public static X509Certificate2 Issue(X509Certificate2 issuer, string address, byte[] subjectPublicKeyInfo)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        bool rsa = publicKey.Oid.Value == "1.2.840.113549.1.1.1";
        var request = new CertificateRequest(new X500DistinguishedName($"CN={address}, O=SmimePipeline HSM Test"), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(rsa ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));

        using var issuerRsa = issuer.GetRSAPrivateKey();
        using var issuerEcdsa = issuerRsa is null ? issuer.GetECDsaPrivateKey() : null;
        var generator = issuerRsa is not null
            ? X509SignatureGenerator.CreateForRSA(issuerRsa, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa(issuerEcdsa ?? throw new ArgumentException("The issuer has no private key.", nameof(issuer)));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        var notAfter = now.AddYears(1) < issuer.NotAfter.ToUniversalTime() ? now.AddYears(1) : new DateTimeOffset(issuer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return request.Create(issuer.SubjectName, generator, now.AddHours(-1), notAfter, serial);
    }
}
