using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// A signer's private key with everything a SignerInfo needs that does not change per message: digest and
/// signature algorithm identifiers, the issuer-and-serial identifier, and the certificates to embed.
/// RSA and ECDSA keys are OpenSSL-backed; Ed25519 (RFC 8419) uses BouncyCastle because .NET has no Ed25519.
/// Create one per signer and configuration and reuse it; it is thread-safe.
/// </summary>
public sealed class CmsSignerKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;
    private readonly Ed25519PrivateKeyParameters? _ed25519;
    private readonly RSASignaturePadding _rsaPadding = RSASignaturePadding.Pkcs1;

    // A key held outside the certificate (PKCS#11) belongs to its SignerIdentity; one read from the certificate is ours.
    private readonly bool _ownsKey = true;

    /// <summary>Loads the key of <paramref name="identity"/> with the default scheme (PKCS#1 v1.5 for RSA) and digest.</summary>
    /// <param name="identity">The signer identity.</param>
    /// <exception cref="ProtectionRefusedException">See <see cref="CmsSignerKey(SignerIdentity, SignatureScheme, SignatureDigest)"/>.</exception>
    public CmsSignerKey(SignerIdentity identity)
        : this(identity, SignatureScheme.RsaPkcs1, SignatureDigest.Auto)
    {
    }

    /// <summary>Loads the key of <paramref name="identity"/> and checks that it is strong enough.</summary>
    /// <param name="identity">The signer identity.</param>
    /// <param name="scheme">PKCS#1 v1.5 or PSS for RSA keys; ignored for EC keys.</param>
    /// <param name="digest">The digest; <see cref="SignatureDigest.Auto"/> follows the key.</param>
    /// <exception cref="ProtectionRefusedException">
    /// <see cref="ProtectionRefusal.KeyTooWeak"/> when the key is RSA below 2048 bits, an unknown curve, or
    /// neither RSA nor ECDSA.
    /// </exception>
    public CmsSignerKey(SignerIdentity identity, SignatureScheme scheme, SignatureDigest digest)
    {
        ArgumentNullException.ThrowIfNull(identity);
        Address = identity.Address;
        var certificate = identity.Certificate;
        Certificate = certificate;
        var external = identity.PrivateKey;
        _ownsKey = external is null;
        if (identity.Ed25519PrivateKey is { } ed25519)
        {
            // RFC 8419 §3.1: with signed attributes, the message digest is SHA-512 for Ed25519 whatever the
            // configured digest; id-Ed25519 has no parameters. The key object belongs to the identity.
            _ed25519 = ed25519;
            Digest = DigestAlgorithm.Sha512;
            SignatureAlgorithm = new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);
            SignatureAlgorithmName = "Ed25519";
            SchemeName = "ed25519";
        }
        else if ((_rsa = external is null ? certificate.GetRSAPrivateKey() : external as RSA) is not null)
        {
            if (_rsa.KeySize < CertificateRules.MinimumRsaKeySize)
            {
                int size = _rsa.KeySize;
                if (_ownsKey)
                {
                    _rsa.Dispose();
                }

                throw CertificateRules.KeyTooWeak(identity.Address, certificate, size);
            }

            Digest = Resolve(digest, DigestAlgorithm.Sha256);
            if (scheme == SignatureScheme.RsaPss)
            {
                // RFC 4056 §2 / RFC 4055 §3.1: explicit RSASSA-PSS-params; the salt is as long as the hash
                // (what .NET's Pss padding uses), MGF1 with the same hash, trailer field 1.
                _rsaPadding = RSASignaturePadding.Pss;
                var hash = new AlgorithmIdentifier(Digest.Oid, DerNull.Instance);
                SignatureAlgorithm = new AlgorithmIdentifier(
                    PkcsObjectIdentifiers.IdRsassaPss,
                    new RsassaPssParameters(hash, new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, hash), DerInteger.ValueOf(Digest.Length), RsassaPssParameters.DefaultTrailerField));
                SignatureAlgorithmName = "rsassa-pss-" + Digest.MicAlg;
                SchemeName = "rsa-pss";
            }
            else
            {
                // rsaEncryption (with NULL parameters) is what RFC 8551 §2.2 and every engine accept in SignerInfo.
                SignatureAlgorithm = new AlgorithmIdentifier(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);
                SignatureAlgorithmName = Digest.MicAlg.Replace("-", "", StringComparison.Ordinal) + "WithRSAEncryption";
                SchemeName = "rsa-pkcs1";
            }
        }
        else
        {
            _ecdsa = (external is null ? certificate.GetECDsaPrivateKey() : external as ECDsa) ?? throw new ProtectionRefusedException(
                ProtectionRefusal.KeyTooWeak,
                identity.Address,
                $"The signing key of certificate {certificate.Subject} ({certificate.Thumbprint}) is neither RSA nor ECDSA.");
            var natural = _ecdsa.KeySize switch
            {
                256 => DigestAlgorithm.Sha256,
                384 => DigestAlgorithm.Sha384,
                521 => DigestAlgorithm.Sha512,
                _ => throw new ProtectionRefusedException(
                    ProtectionRefusal.KeyTooWeak,
                    identity.Address,
                    $"The ECDSA key of certificate {certificate.Subject} ({certificate.Thumbprint}) uses an unsupported curve size {_ecdsa.KeySize}."),
            };
            Digest = Resolve(digest, natural);
            var oid = Digest.Length switch
            {
                32 => X9ObjectIdentifiers.ECDsaWithSha256,
                48 => X9ObjectIdentifiers.ECDsaWithSha384,
                _ => X9ObjectIdentifiers.ECDsaWithSha512,
            };
            SignatureAlgorithmName = "ecdsa-with-" + Digest.MicAlg.ToUpperInvariant().Replace("-", "", StringComparison.Ordinal);
            SchemeName = "ecdsa";
            // RFC 5758 §3.2: ecdsa-with-SHA* identifiers carry no parameters.
            SignatureAlgorithm = new AlgorithmIdentifier(oid);
        }

        (SignerId, Certificates, CertificateSha256) = Describe(certificate, identity.Chain);
    }

    /// <summary>The address this key signs for.</summary>
    public string Address { get; }

    /// <summary>The signer certificate.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The signing key's size in bits (for traces and metrics), read once from the certificate.</summary>
    public int KeySize => _keySize ??= ReadKeySize(Certificate);

    /// <summary>The digest used for the message digest (and the signature, except Ed25519, which signs the attributes whole).</summary>
    public DigestAlgorithm Digest { get; }

    /// <summary>The <c>SignerInfo.signatureAlgorithm</c>.</summary>
    public AlgorithmIdentifier SignatureAlgorithm { get; }

    /// <summary>A readable name such as <c>sha256WithRSAEncryption</c>, <c>rsassa-pss-sha-256</c> or <c>ecdsa-with-SHA256</c>.</summary>
    public string SignatureAlgorithmName { get; }

    /// <summary>The allow-list name of the scheme: <c>rsa-pkcs1</c>, <c>rsa-pss</c>, <c>ecdsa</c> or <c>ed25519</c>.</summary>
    public string SchemeName { get; }

    /// <summary>The SignerIdentifier (IssuerAndSerialNumber, so SignerInfo version 1).</summary>
    public Org.BouncyCastle.Asn1.Cms.SignerIdentifier SignerId { get; }

    /// <summary>The signer certificate and its chain, as the SignedData <c>certificates</c> set.</summary>
    public Asn1Set Certificates { get; }

    /// <summary>SHA-256 of the signer certificate, for signing-certificate-v2 (RFC 5035).</summary>
    public ReadOnlyMemory<byte> CertificateSha256 { get; }

    /// <summary>
    /// The DER pieces of a SignedData that do not change per message, encoded on first use (a race encodes
    /// them twice, with the same result).
    /// </summary>
    internal SignedDataTemplate Template => _template ??= new SignedDataTemplate(this);

    /// <summary>Signs the DER encoding of the signed attributes (RFC 5652 §5.4).</summary>
    /// <param name="signedAttributes">The DER SET OF signed attributes.</param>
    /// <returns>The signature value (PKCS#1 v1.5 or PSS for RSA, DER Ecdsa-Sig-Value for ECDSA, 64 bytes for Ed25519).</returns>
    public byte[] Sign(ReadOnlySpan<byte> signedAttributes)
    {
        if (_ed25519 is not null)
        {
            // RFC 8419 §3.2: PureEdDSA over the attributes themselves, not a digest of them.
            var signer = new Ed25519Signer();
            signer.Init(true, _ed25519);
            signer.BlockUpdate(signedAttributes);
            return signer.GenerateSignature();
        }

        Span<byte> digest = stackalloc byte[Digest.Length];
        Digest.Hash(signedAttributes, digest);
        if (_rsa is not null)
        {
            return _rsa.SignHash(digest, Digest.HashAlgorithmName, _rsaPadding);
        }

        return _ecdsa!.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsKey)
        {
            _rsa?.Dispose();
            _ecdsa?.Dispose();
        }
    }

    private static DigestAlgorithm Resolve(SignatureDigest digest, DigestAlgorithm natural) => digest switch
    {
        SignatureDigest.Sha256 => DigestAlgorithm.Sha256,
        SignatureDigest.Sha384 => DigestAlgorithm.Sha384,
        SignatureDigest.Sha512 => DigestAlgorithm.Sha512,
        _ => natural,
    };

    private static (Org.BouncyCastle.Asn1.Cms.SignerIdentifier, Asn1Set, ReadOnlyMemory<byte>) Describe(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain)
    {
        var certificates = new Asn1EncodableVector(X509CertificateStructure.GetInstance(certificate.RawData));
        foreach (var extra in chain)
        {
            certificates.Add(X509CertificateStructure.GetInstance(extra.RawData));
        }

        return (CmsIdentifiers.IssuerAndSerialNumber(certificate), new DerSet(certificates), SHA256.HashData(certificate.RawData));
    }

    private int? _keySize;
    private SignedDataTemplate? _template;

    private static int ReadKeySize(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize;
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa?.KeySize ?? 256; // Ed25519 keys (RFC 8410) are 256 bits.
    }
}
