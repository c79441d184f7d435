using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// A signer's OpenSSL-backed private key with everything a SignerInfo needs that does not change per
/// message: digest and signature algorithm identifiers, the issuer-and-serial identifier, and the
/// certificates to embed. Create one per <see cref="SignerIdentity"/> and reuse it; it is thread-safe
/// (each OpenSSL sign call uses its own context).
/// </summary>
public sealed class CmsSignerKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;

    /// <summary>Loads the key of <paramref name="identity"/> and checks that it is strong enough.</summary>
    /// <param name="identity">The signer identity.</param>
    /// <exception cref="ProtectionRefusedException">
    /// <see cref="ProtectionRefusal.KeyTooWeak"/> when the key is RSA below 2048 bits, an unknown curve, or
    /// neither RSA nor ECDSA.
    /// </exception>
    public CmsSignerKey(SignerIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        Identity = identity;
        var certificate = identity.Certificate;
        _rsa = certificate.GetRSAPrivateKey();
        if (_rsa is not null)
        {
            if (_rsa.KeySize < CertificateRules.MinimumRsaKeySize)
            {
                int size = _rsa.KeySize;
                _rsa.Dispose();
                throw CertificateRules.KeyTooWeak(identity.Address, certificate, size);
            }

            Digest = DigestAlgorithm.Sha256;
            // rsaEncryption (with NULL parameters) is what RFC 8551 §2.2 and every engine accept in SignerInfo.
            SignatureAlgorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);
            SignatureAlgorithmName = "sha256WithRSAEncryption";
        }
        else
        {
            _ecdsa = certificate.GetECDsaPrivateKey() ?? throw new ProtectionRefusedException(
                ProtectionRefusal.KeyTooWeak,
                identity.Address,
                $"The signing key of certificate {certificate.Subject} ({certificate.Thumbprint}) is neither RSA nor ECDSA.");
            (Digest, var oid, SignatureAlgorithmName) = _ecdsa.KeySize switch
            {
                256 => (DigestAlgorithm.Sha256, X9ObjectIdentifiers.ECDsaWithSha256, "ecdsa-with-SHA256"),
                384 => (DigestAlgorithm.Sha384, X9ObjectIdentifiers.ECDsaWithSha384, "ecdsa-with-SHA384"),
                521 => (DigestAlgorithm.Sha512, X9ObjectIdentifiers.ECDsaWithSha512, "ecdsa-with-SHA512"),
                _ => throw new ProtectionRefusedException(
                    ProtectionRefusal.KeyTooWeak,
                    identity.Address,
                    $"The ECDSA key of certificate {certificate.Subject} ({certificate.Thumbprint}) uses an unsupported curve size {_ecdsa.KeySize}."),
            };
            // RFC 5758 §3.2: ecdsa-with-SHA* identifiers carry no parameters.
            SignatureAlgorithm = new AlgorithmIdentifier(oid);
        }

        SignerId = CmsIdentifiers.IssuerAndSerialNumber(certificate);
        var certificates = new Asn1EncodableVector(Org.BouncyCastle.Asn1.X509.X509CertificateStructure.GetInstance(certificate.RawData));
        foreach (var extra in identity.Chain)
        {
            certificates.Add(Org.BouncyCastle.Asn1.X509.X509CertificateStructure.GetInstance(extra.RawData));
        }

        Certificates = new DerSet(certificates);
        CertificateSha256 = SHA256.HashData(certificate.RawData);
    }

    /// <summary>The identity this key belongs to.</summary>
    public SignerIdentity Identity { get; }

    /// <summary>The digest used for the message digest and the signature.</summary>
    public DigestAlgorithm Digest { get; }

    /// <summary>The <c>SignerInfo.signatureAlgorithm</c>.</summary>
    public AlgorithmIdentifier SignatureAlgorithm { get; }

    /// <summary>A readable name such as <c>sha256WithRSAEncryption</c> or <c>ecdsa-with-SHA256</c>.</summary>
    public string SignatureAlgorithmName { get; }

    /// <summary>The SignerIdentifier (IssuerAndSerialNumber, so SignerInfo version 1).</summary>
    public Org.BouncyCastle.Asn1.Cms.SignerIdentifier SignerId { get; }

    /// <summary>The signer certificate and its chain, as the SignedData <c>certificates</c> set.</summary>
    public Asn1Set Certificates { get; }

    /// <summary>SHA-256 of the signer certificate, for signing-certificate-v2 (RFC 5035).</summary>
    public ReadOnlyMemory<byte> CertificateSha256 { get; }

    /// <summary>Signs a digest computed with <see cref="Digest"/>.</summary>
    /// <param name="digest">The digest of the DER-encoded signed attributes.</param>
    /// <returns>The signature value (PKCS#1 v1.5 for RSA, DER Ecdsa-Sig-Value for ECDSA).</returns>
    public byte[] SignDigest(ReadOnlySpan<byte> digest)
    {
        if (_rsa is not null)
        {
            return _rsa.SignHash(digest, Digest.HashAlgorithmName, RSASignaturePadding.Pkcs1);
        }

        return _ecdsa!.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }
}
