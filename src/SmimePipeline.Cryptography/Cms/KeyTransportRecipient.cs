using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// What key transport needs from a recipient certificate, prepared once per certificate instance:
/// the OpenSSL public key and the RecipientIdentifier. Measured on the standard message, importing
/// the key (<c>GetRSAPublicKey</c>, ≈100 µs) and parsing the certificate with
/// BouncyCastle for issuer and serial (≈16 KB allocated) per message and recipient cost more than the
/// AES encryption of the whole message. The store hands out the same instance until the file changes,
/// so a replaced certificate gets a new entry; entries go away with their certificate.
/// RSA public-key operations are thread-safe (each call gets its own OpenSSL context).
/// </summary>
internal sealed class KeyTransportRecipient
{
    private static readonly ConditionalWeakTable<X509Certificate2, KeyTransportRecipient> Prepared = new();

    private readonly byte[] _pkcs1Prefix;
    private readonly byte[] _oaepPrefix;

    private KeyTransportRecipient(RSA publicKey, RecipientIdentifier identifier)
    {
        PublicKey = publicKey;
        Identifier = identifier;
        // RFC 5652 §6.2.1: version 0 (issuerAndSerialNumber), rid, keyEncryptionAlgorithm; the same for every mail.
        byte[] version = DerInteger.ValueOf(0).GetEncoded(Asn1Encodable.Der);
        byte[] rid = identifier.GetEncoded(Asn1Encodable.Der);
        _pkcs1Prefix = [.. version, .. rid, .. CmsRecipientInfos.RsaPkcs1.GetEncoded(Asn1Encodable.Der)];
        _oaepPrefix = [.. version, .. rid, .. CmsRecipientInfos.RsaOaepSha256.GetEncoded(Asn1Encodable.Der)];
    }

    /// <summary>The recipient's RSA public key.</summary>
    public RSA PublicKey { get; }

    /// <summary>IssuerAndSerialNumber of the certificate (KeyTransRecipientInfo version 0).</summary>
    public RecipientIdentifier Identifier { get; }

    /// <summary>
    /// The DER encoding of this recipient's KeyTransRecipientInfo (the RecipientInfo CHOICE's untagged SEQUENCE)
    /// carrying <paramref name="contentKey"/> encrypted to its public key: the same bytes as BouncyCastle's
    /// <c>new RecipientInfo(new KeyTransRecipientInfo(…)).GetDerEncoded()</c>, written around the one part that differs
    /// per mail (the encrypted key) without building the object graph.
    /// </summary>
    /// <param name="contentKey">The content-encryption key.</param>
    /// <param name="keyTransport">PKCS #1 v1.5 or RSAES-OAEP with SHA-256.</param>
    /// <exception cref="CryptographicException">The RSA encryption failed.</exception>
    public byte[] EncodeRecipientInfo(ReadOnlySpan<byte> contentKey, KeyTransport keyTransport)
    {
        bool oaep = keyTransport == KeyTransport.RsaOaep;
        Span<byte> encryptedKey = stackalloc byte[(PublicKey.KeySize + 7) / 8];
        if (!PublicKey.TryEncrypt(contentKey, encryptedKey, oaep ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.Pkcs1, out int written))
        {
            throw new CryptographicException("The RSA key transport did not fit its modulus.");
        }

        return EncodeRecipientInfo(oaep ? _oaepPrefix : _pkcs1Prefix, encryptedKey[..written]);
    }

    /// <summary>SEQUENCE { <paramref name="prefix"/> (version, rid, keyEncryptionAlgorithm), OCTET STRING encryptedKey }.</summary>
    internal static byte[] EncodeRecipientInfo(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> encryptedKey)
    {
        int contentLength = prefix.Length + DerHeader.Total(encryptedKey.Length);
        var encoding = new byte[DerHeader.Total(contentLength)];
        int offset = DerHeader.Write(encoding, DerHeader.Sequence, contentLength);
        prefix.CopyTo(encoding.AsSpan(offset));
        offset += prefix.Length;
        offset += DerHeader.Write(encoding.AsSpan(offset), DerHeader.OctetString, encryptedKey.Length);
        encryptedKey.CopyTo(encoding.AsSpan(offset));
        return encoding;
    }

    /// <summary>The prepared recipient for <paramref name="certificate"/>.</summary>
    /// <exception cref="ArgumentException">The certificate has no RSA public key.</exception>
    public static KeyTransportRecipient For(X509Certificate2 certificate)
    {
        if (Prepared.TryGetValue(certificate, out var prepared))
        {
            return prepared;
        }

        var rsa = certificate.GetRSAPublicKey()
            ?? throw new ArgumentException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) has no RSA public key.", nameof(certificate));
        return Prepared.GetValue(certificate, _ => new KeyTransportRecipient(rsa, CmsIdentifiers.RecipientIssuerAndSerialNumber(certificate)));
    }
}
