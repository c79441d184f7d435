using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// Writes CMS EnvelopedData (RFC 5652 §6) in DER: one KeyTransRecipientInfo per certificate with
/// RSA PKCS#1 v1.5 key transport (RFC 8551 §2.3; the one every engine reads), content encrypted with
/// OpenSSL. Stateless and thread-safe. OAEP and ECDH recipients will be added as further recipient kinds.
/// </summary>
public static class CmsEnvelopedDataWriter
{
    private static readonly AlgorithmIdentifier RsaEncryption = new(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance);

    /// <summary>Encrypts <paramref name="content"/> to every certificate in <paramref name="recipients"/>.</summary>
    /// <param name="content">The MIME entity to encrypt.</param>
    /// <param name="recipients">RSA certificates to encrypt to (already validated).</param>
    /// <param name="algorithm">The content-encryption algorithm.</param>
    /// <returns>The DER encoding of a ContentInfo wrapping the EnvelopedData (what goes into smime.p7m).</returns>
    /// <exception cref="ArgumentException">A certificate has no RSA public key, or the list is empty.</exception>
    public static byte[] Write(ReadOnlySpan<byte> content, IReadOnlyList<X509Certificate2> recipients, ContentEncryptionAlgorithm algorithm)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(algorithm);
        if (recipients.Count == 0)
        {
            throw new ArgumentException("EnvelopedData needs at least one recipient.", nameof(recipients));
        }

        Span<byte> key = stackalloc byte[algorithm.KeySize];
        Span<byte> iv = stackalloc byte[algorithm.IvSize];
        RandomNumberGenerator.Fill(key);
        RandomNumberGenerator.Fill(iv);
        try
        {
            var recipientInfos = new Asn1EncodableVector(recipients.Count);
            foreach (var certificate in recipients)
            {
                using var rsa = certificate.GetRSAPublicKey()
                    ?? throw new ArgumentException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) has no RSA public key.", nameof(recipients));
                byte[] encryptedKey = rsa.Encrypt(key, RSAEncryptionPadding.Pkcs1);
                recipientInfos.Add(new RecipientInfo(new KeyTransRecipientInfo(
                    CmsIdentifiers.RecipientIssuerAndSerialNumber(certificate),
                    RsaEncryption,
                    new DerOctetString(encryptedKey))));
            }

            byte[] ciphertext = algorithm.Encrypt(content, key, iv);
            var encryptedContentInfo = new EncryptedContentInfo(
                CmsObjectIdentifiers.Data,
                algorithm.CreateIdentifier(iv),
                new DerOctetString(ciphertext));

            // No originator info and no unprotected attributes, all ktri v0: EnvelopedData version 0 (RFC 5652 §6.1).
            var envelopedData = new EnvelopedData(null, new DerSet(recipientInfos), encryptedContentInfo, (Asn1Set?)null);
            return new ContentInfo(CmsObjectIdentifiers.EnvelopedData, envelopedData).GetDerEncoded();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
