using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// Encrypts a content-encryption key to one recipient certificate: RSA key transport (PKCS#1 v1.5 or
/// OAEP-SHA-256) for RSA keys, ECDH ephemeral-static key agreement (RFC 5753) for EC keys.
/// </summary>
internal static class CmsRecipientInfos
{
    internal static readonly AlgorithmIdentifier RsaPkcs1 = new(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);

    // RFC 4055 §4.1 / RFC 8017 A.2.1: OAEP with SHA-256 and MGF1-SHA-256, the empty label (pSourceFunc default).
    // Parameters are explicit because the defaults are SHA-1, which the reader would otherwise assume.
    internal static readonly AlgorithmIdentifier RsaOaepSha256 = new(
        PkcsObjectIdentifiers.IdRsaesOaep,
        new RsaesOaepParameters(
            new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance),
            new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance)),
            RsaesOaepParameters.DefaultPSourceAlgorithm));

    // RFC 5753 §7.1.4 / RFC 8418: aes256-wrap carries no parameters.
    private static readonly AlgorithmIdentifier Aes256Wrap = new(NistObjectIdentifiers.IdAes256Wrap);

    // RFC 5753 §7.1.4: dhSinglePass-stdDH-sha256kdf-scheme, parameters = the key-wrap algorithm.
    private static readonly AlgorithmIdentifier EcdhSha256KdfAes256Wrap = new(SecObjectIdentifiers.dhSinglePass_stdDH_sha256kdf_scheme, Aes256Wrap);

    /// <summary>Whether the certificate's key is used with ECDH key agreement (EC) rather than RSA key transport.</summary>
    public static bool UsesKeyAgreement(X509Certificate2 certificate) =>
        certificate.PublicKey.Oid.Value == X9ObjectIdentifiers.IdECPublicKey.Id;

    /// <summary>
    /// The DER encoding of the RecipientInfo for <paramref name="certificate"/> carrying <paramref name="contentKey"/>:
    /// key transport written around the prepared per-certificate part (<see cref="KeyTransportRecipient.EncodeRecipientInfo(ReadOnlySpan{byte}, KeyTransport)"/>),
    /// key agreement (a fresh ephemeral key per mail) through BouncyCastle's structure.
    /// </summary>
    public static byte[] Encode(X509Certificate2 certificate, ReadOnlySpan<byte> contentKey, KeyTransport keyTransport) =>
        UsesKeyAgreement(certificate)
            ? CreateKeyAgreement(certificate, contentKey).GetEncoded(Asn1Encodable.Der)
            : KeyTransportRecipient.For(certificate).EncodeRecipientInfo(contentKey, keyTransport);

    /// <summary>
    /// RFC 5753 §3.1: a fresh ephemeral key on the recipient's curve, Z = ECDH(ephemeral, recipient),
    /// KEK = X9.63-KDF-SHA-256(Z, ECC-CMS-SharedInfo), encryptedKey = AES-256-KW(KEK, CEK).
    /// </summary>
    private static RecipientInfo CreateKeyAgreement(X509Certificate2 certificate, ReadOnlySpan<byte> contentKey)
    {
        using var recipientKey = certificate.GetECDiffieHellmanPublicKey()
            ?? throw new ArgumentException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) has no usable EC public key.", nameof(certificate));
        var curve = recipientKey.ExportParameters(false).Curve;
        using var ephemeral = ECDiffieHellman.Create(curve);
        byte[] sharedSecret = ephemeral.DeriveRawSecretAgreement(recipientKey.PublicKey);
        Span<byte> kek = stackalloc byte[32];
        try
        {
            DeriveKeyEncryptionKey(sharedSecret, kek);
            byte[] wrapped = WrapKey(kek, contentKey);

            // RFC 5753 §3.1.1: originatorKey with id-ecPublicKey (NULL parameters, the curve is the recipient's)
            // and the ephemeral point, uncompressed.
            var point = ephemeral.ExportParameters(false).Q;
            byte[] encodedPoint = new byte[1 + point.X!.Length + point.Y!.Length];
            encodedPoint[0] = 0x04;
            point.X.CopyTo(encodedPoint, 1);
            point.Y.CopyTo(encodedPoint, 1 + point.X.Length);
            var originator = new OriginatorIdentifierOrKey(new OriginatorPublicKey(
                new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, DerNull.Instance),
                encodedPoint));

            var encryptedKeys = new DerSequence(new RecipientEncryptedKey(
                new KeyAgreeRecipientIdentifier(CmsIdentifiers.IssuerAndSerial(certificate)),
                new DerOctetString(wrapped)));
            return new RecipientInfo(new KeyAgreeRecipientInfo(originator, null, EcdhSha256KdfAes256Wrap, encryptedKeys));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>
    /// ANSI X9.63 KDF with SHA-256 (SEC 1 §3.6.1, as RFC 5753 §7.2 prescribes): K = SHA-256(Z || counter || SharedInfo),
    /// counter = 1 because one block gives the 256-bit KEK. Written here because neither .NET nor the
    /// BouncyCastle CMS API exposes this KDF for a key agreement whose secret comes from OpenSSL.
    /// </summary>
    internal static void DeriveKeyEncryptionKey(ReadOnlySpan<byte> sharedSecret, Span<byte> kek)
    {
        // RFC 5753 §7.2: ECC-CMS-SharedInfo { keyInfo = aes256-wrap, suppPubInfo [2] = KEK length in bits (4 octets, big-endian) }.
        byte[] bits = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bits, kek.Length * 8);
        byte[] sharedInfo = new DerSequence(Aes256Wrap, new DerTaggedObject(true, 2, new DerOctetString(bits))).GetDerEncoded();

        byte[] input = new byte[sharedSecret.Length + 4 + sharedInfo.Length];
        try
        {
            sharedSecret.CopyTo(input);
            BinaryPrimitives.WriteInt32BigEndian(input.AsSpan(sharedSecret.Length), 1);
            sharedInfo.CopyTo(input, sharedSecret.Length + 4);
            SHA256.HashData(input, kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    /// <summary>AES key wrap (RFC 3394) of the 16- or 32-byte content key; .NET has no AES-KW API.</summary>
    private static byte[] WrapKey(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> contentKey)
    {
        var engine = new AesWrapEngine();
        byte[] kekCopy = kek.ToArray();
        byte[] keyCopy = contentKey.ToArray();
        try
        {
            engine.Init(true, new KeyParameter(kekCopy));
            return engine.Wrap(keyCopy, 0, keyCopy.Length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kekCopy);
            CryptographicOperations.ZeroMemory(keyCopy);
        }
    }
}
