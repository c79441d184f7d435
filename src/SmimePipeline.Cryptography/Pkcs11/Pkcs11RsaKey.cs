using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// An RSA private key that stays in a PKCS#11 token: <see cref="SignHash(byte[], HashAlgorithmName, RSASignaturePadding)"/>
/// and <see cref="Decrypt(byte[], RSAEncryptionPadding)"/> run <c>C_Sign</c>/<c>C_Decrypt</c> in the token
/// (PKCS#1 v1.5 as <c>CKM_RSA_PKCS</c> over a DigestInfo, PSS as <c>CKM_RSA_PKCS_PSS</c>, OAEP as
/// <c>CKM_RSA_PKCS_OAEP</c>); everything public (verify, encrypt, <see cref="ExportParameters(bool)"/> without the
/// private part) uses the certificate's public key. The private key can never be exported through this object.
/// </summary>
public sealed class Pkcs11RsaKey : RSA
{
    // RFC 8017 §9.2 note 1: the DER prefix of DigestInfo for each hash.
    private static readonly byte[] Sha256Prefix = Convert.FromHexString("3031300d060960864801650304020105000420");
    private static readonly byte[] Sha384Prefix = Convert.FromHexString("3041300d060960864801650304020205000430");
    private static readonly byte[] Sha512Prefix = Convert.FromHexString("3051300d060960864801650304020305000440");

    private readonly Pkcs11Token _token;
    private readonly RSA _public;

    /// <summary>Creates the key object; nothing is read from the token until it is used.</summary>
    /// <param name="token">The token holding the key.</param>
    /// <param name="uri">The key's URI.</param>
    /// <param name="publicKey">The matching public key (from the certificate).</param>
    public Pkcs11RsaKey(Pkcs11Token token, Pkcs11Uri uri, RSAParameters publicKey)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(uri);
        _token = token;
        Uri = uri;
        _public = Create(new RSAParameters { Modulus = publicKey.Modulus, Exponent = publicKey.Exponent });
        KeySizeValue = _public.KeySize;
        LegalKeySizesValue = [new KeySizes(KeySizeValue, KeySizeValue, 0)];
    }

    /// <summary>The key's URI.</summary>
    public Pkcs11Uri Uri { get; }

    /// <summary>The token holding the key.</summary>
    public Pkcs11Token Token => _token;

    /// <inheritdoc />
    public override RSAParameters ExportParameters(bool includePrivateParameters) => includePrivateParameters
        ? throw new CryptographicException($"The private key {Uri} lives in PKCS#11 token '{_token.Name}' and cannot be exported.")
        : _public.ExportParameters(false);

    /// <inheritdoc />
    public override void ImportParameters(RSAParameters parameters) =>
        throw new NotSupportedException("A PKCS#11 key object cannot import other key material.");

    /// <inheritdoc />
    /// <exception cref="Pkcs11UnavailableException">The token is unavailable (transient).</exception>
    public override byte[] SignHash(byte[] hash, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(padding);
        var (hashMechanism, mgf, prefix, length) = Describe(hashAlgorithm);
        if (hash.Length != length)
        {
            throw new CryptographicException($"A {hashAlgorithm.Name} hash is {length} bytes, not {hash.Length}.");
        }

        if (padding == RSASignaturePadding.Pkcs1)
        {
            byte[] digestInfo = [.. prefix, .. hash];
            return _token.Run("C_Sign CKM_RSA_PKCS", (session, find) =>
                session.Sign(session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS), find(session, Uri), digestInfo));
        }

        // RFC 8017 §8.1 with the salt as long as the hash, as .NET's Pss padding and our SignerInfo parameters say.
        return _token.Run("C_Sign CKM_RSA_PKCS_PSS", (session, find) =>
        {
            var parameters = session.Factories.MechanismParamsFactory.CreateCkRsaPkcsPssParams((ulong)hashMechanism, (ulong)mgf, (ulong)length);
            return session.Sign(session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_PSS, parameters), find(session, Uri), hash);
        });
    }

    /// <inheritdoc />
    public override bool VerifyHash(byte[] hash, byte[] signature, HashAlgorithmName hashAlgorithm, RSASignaturePadding padding) =>
        _public.VerifyHash(hash, signature, hashAlgorithm, padding);

    /// <inheritdoc />
    public override byte[] Encrypt(byte[] data, RSAEncryptionPadding padding) => _public.Encrypt(data, padding);

    /// <inheritdoc />
    /// <remarks>PKCS#1 v1.5 and OAEP (SHA-1, SHA-256, SHA-384, SHA-512, empty label), decrypted in the token.</remarks>
    /// <exception cref="Pkcs11UnavailableException">The token is unavailable (transient).</exception>
    public override byte[] Decrypt(byte[] data, RSAEncryptionPadding padding)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(padding);
        if (padding == RSAEncryptionPadding.Pkcs1)
        {
            return _token.Run("C_Decrypt CKM_RSA_PKCS", (session, find) =>
                session.Decrypt(session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS), find(session, Uri), data));
        }

        var (hashMechanism, mgf) = padding.OaepHashAlgorithm.Name switch
        {
            "SHA1" => (CKM.CKM_SHA_1, CKG.CKG_MGF1_SHA1),
            _ => Describe(padding.OaepHashAlgorithm) is var d ? (d.Hash, d.Mgf) : default,
        };
        return _token.Run("C_Decrypt CKM_RSA_PKCS_OAEP", (session, find) =>
        {
            var parameters = session.Factories.MechanismParamsFactory.CreateCkRsaPkcsOaepParams((ulong)hashMechanism, (ulong)mgf, (ulong)CKZ.CKZ_DATA_SPECIFIED, null);
            return session.Decrypt(session.Factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_OAEP, parameters), find(session, Uri), data);
        });
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _public.Dispose();
        }

        base.Dispose(disposing);
    }

    private static (CKM Hash, CKG Mgf, byte[] Prefix, int Length) Describe(HashAlgorithmName hash) => hash.Name switch
    {
        "SHA256" => (CKM.CKM_SHA256, CKG.CKG_MGF1_SHA256, Sha256Prefix, 32),
        "SHA384" => (CKM.CKM_SHA384, CKG.CKG_MGF1_SHA384, Sha384Prefix, 48),
        "SHA512" => (CKM.CKM_SHA512, CKG.CKG_MGF1_SHA512, Sha512Prefix, 64),
        _ => throw new CryptographicException($"The PKCS#11 signer does not use the hash {hash.Name}; SHA-256, SHA-384 or SHA-512 only."),
    };
}
