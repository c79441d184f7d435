using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;

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
        var exact = new ExactArrayWriter();
        Write(content, recipients, algorithm, exact);
        return exact.Array;
    }

    /// <summary>
    /// Like <see cref="Write(ReadOnlySpan{byte}, IReadOnlyList{X509Certificate2}, ContentEncryptionAlgorithm)"/>, but
    /// appends the DER to <paramref name="destination"/> (e.g. a pooled buffer), so no message-sized array is
    /// allocated per message and none lands on the large object heap.
    /// </summary>
    /// <param name="content">The MIME entity to encrypt.</param>
    /// <param name="recipients">RSA certificates to encrypt to (already validated).</param>
    /// <param name="algorithm">The content-encryption algorithm.</param>
    /// <param name="destination">Where the ContentInfo's DER encoding is appended.</param>
    /// <exception cref="ArgumentException">A certificate has no RSA public key, or the list is empty.</exception>
    public static void Write(ReadOnlySpan<byte> content, IReadOnlyList<X509Certificate2> recipients, ContentEncryptionAlgorithm algorithm, IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
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
                var recipient = KeyTransportRecipient.For(certificate);
                byte[] encryptedKey = recipient.PublicKey.Encrypt(key, RSAEncryptionPadding.Pkcs1);
                recipientInfos.Add(new RecipientInfo(new KeyTransRecipientInfo(
                    recipient.Identifier,
                    RsaEncryption,
                    new DerOctetString(encryptedKey))));
            }

            // RFC 5652 §6.1: no originator info, no unprotected attributes and only v0 ktri: version 0.
            // The structure is assembled by hand around the ciphertext so that AES writes straight into
            // the final DER array: the (large) content is encrypted once and never copied.
            byte[] contentInfoType = CmsObjectIdentifiers.EnvelopedData.GetDerEncoded();
            byte[] version = DerInteger.ValueOf(0).GetDerEncoded();
            byte[] recipientSet = new DerSet(recipientInfos).GetDerEncoded();
            byte[] dataType = CmsObjectIdentifiers.Data.GetDerEncoded();
            byte[] algorithmIdentifier = algorithm.CreateIdentifier(iv).GetDerEncoded();
            int ciphertextLength = algorithm.GetCiphertextLength(content.Length);

            int encryptedContentInfoLength = dataType.Length + algorithmIdentifier.Length + DerHeader.Total(ciphertextLength);
            int envelopedDataLength = version.Length + recipientSet.Length + DerHeader.Total(encryptedContentInfoLength);
            int explicitLength = DerHeader.Total(envelopedDataLength);
            int contentInfoLength = contentInfoType.Length + DerHeader.Total(explicitLength);
            int derLength = DerHeader.Total(contentInfoLength);
            var span = destination.GetSpan(derLength)[..derLength];
            int offset = DerHeader.Write(span, DerHeader.Sequence, contentInfoLength);
            offset += Append(span[offset..], contentInfoType);
            offset += DerHeader.Write(span[offset..], DerHeader.ContextExplicit0, explicitLength);
            offset += DerHeader.Write(span[offset..], DerHeader.Sequence, envelopedDataLength);
            offset += Append(span[offset..], version);
            offset += Append(span[offset..], recipientSet);
            offset += DerHeader.Write(span[offset..], DerHeader.Sequence, encryptedContentInfoLength);
            offset += Append(span[offset..], dataType);
            offset += Append(span[offset..], algorithmIdentifier);
            offset += DerHeader.Write(span[offset..], DerHeader.ContextPrimitive0, ciphertextLength); // [0] IMPLICIT OCTET STRING
            offset += algorithm.Encrypt(content, key, iv, span[offset..]);
            if (offset != derLength)
            {
                throw new CryptographicException("EnvelopedData length mismatch.");
            }

            destination.Advance(derLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Hands out one array of exactly the size asked for: the byte[] overload's result, without a copy.</summary>
    private sealed class ExactArrayWriter : IBufferWriter<byte>
    {
        public byte[] Array { get; private set; } = [];

        public Span<byte> GetSpan(int sizeHint = 0) => Array = new byte[sizeHint];

        public Memory<byte> GetMemory(int sizeHint = 0) => Array = new byte[sizeHint];

        public void Advance(int count)
        {
            if (count != Array.Length)
            {
                throw new CryptographicException("EnvelopedData length mismatch.");
            }
        }
    }

    private static int Append(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return bytes.Length;
    }
}
