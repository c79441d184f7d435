using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Pkcs;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// Writes CMS EnvelopedData (RFC 5652 §6, AES-CBC) or AuthEnvelopedData (RFC 5083, AES-GCM per RFC 5084)
/// in DER, with one RecipientInfo per certificate: RSA key transport (PKCS#1 v1.5 or OAEP-SHA-256) or ECDH
/// key agreement (RFC 5753). The content is encrypted by OpenSSL straight into the final array.
/// Stateless and thread-safe. No .NET library can create AuthEnvelopedData, so it is written here.
/// </summary>
public static class CmsEnvelopedDataWriter
{
    // id-ct-authEnvelopedData, RFC 5083 §1.1.
    private static readonly DerObjectIdentifier AuthEnvelopedDataType = PkcsObjectIdentifiers.IdCTAuthEnvelopedData;

    // The parts that are the same for every mail, encoded once.
    private static readonly byte[] EnvelopedDataTypeDer = CmsObjectIdentifiers.EnvelopedData.GetEncoded(Asn1Encodable.Der);
    private static readonly byte[] AuthEnvelopedDataTypeDer = AuthEnvelopedDataType.GetEncoded(Asn1Encodable.Der);
    private static readonly byte[] DataTypeDer = CmsObjectIdentifiers.Data.GetEncoded(Asn1Encodable.Der);
    private static readonly byte[] Version0Der = DerInteger.ValueOf(0).GetEncoded(Asn1Encodable.Der);
    private static readonly byte[] Version2Der = DerInteger.ValueOf(2).GetEncoded(Asn1Encodable.Der);

    /// <summary>Encrypts with RSA PKCS#1 v1.5 key transport (the interoperable default).</summary>
    /// <param name="content">The MIME entity to encrypt.</param>
    /// <param name="recipients">RSA or EC certificates (already validated).</param>
    /// <param name="algorithm">The content-encryption algorithm.</param>
    /// <returns>The DER ContentInfo.</returns>
    public static byte[] Write(ReadOnlySpan<byte> content, IReadOnlyList<X509Certificate2> recipients, ContentEncryptionAlgorithm algorithm) =>
        Write(content, recipients, algorithm, KeyTransport.RsaPkcs1);

    /// <summary>Encrypts <paramref name="content"/> to every certificate in <paramref name="recipients"/>.</summary>
    /// <param name="content">The MIME entity to encrypt.</param>
    /// <param name="recipients">RSA or EC certificates to encrypt to (already validated).</param>
    /// <param name="algorithm">The content-encryption algorithm; GCM gives AuthEnvelopedData.</param>
    /// <param name="keyTransport">The key transport for RSA recipients; EC recipients always get ECDH.</param>
    /// <returns>The DER encoding of a ContentInfo wrapping the (Auth)EnvelopedData (what goes into smime.p7m).</returns>
    /// <exception cref="ArgumentException">A certificate has neither an RSA nor an EC public key, or the list is empty.</exception>
    public static byte[] Write(ReadOnlySpan<byte> content, IReadOnlyList<X509Certificate2> recipients, ContentEncryptionAlgorithm algorithm, KeyTransport keyTransport)
    {
        var exact = new ExactArrayWriter();
        Write(content, recipients, algorithm, keyTransport, exact);
        return exact.Array;
    }

    /// <summary>
    /// Like <see cref="Write(ReadOnlySpan{byte}, IReadOnlyList{X509Certificate2}, ContentEncryptionAlgorithm)"/>, but
    /// appends the DER to <paramref name="destination"/> (e.g. a pooled buffer), so no message-sized array is
    /// allocated per message and none lands on the large object heap.
    /// </summary>
    /// <param name="content">The MIME entity to encrypt.</param>
    /// <param name="recipients">RSA or EC certificates to encrypt to (already validated).</param>
    /// <param name="algorithm">The content-encryption algorithm; GCM gives AuthEnvelopedData.</param>
    /// <param name="keyTransport">The key transport for RSA recipients; EC recipients always get ECDH.</param>
    /// <param name="destination">Where the ContentInfo's DER encoding is appended.</param>
    /// <exception cref="ArgumentException">A certificate has neither an RSA nor an EC public key, or the list is empty.</exception>
    public static void Write(ReadOnlySpan<byte> content, IReadOnlyList<X509Certificate2> recipients, ContentEncryptionAlgorithm algorithm, KeyTransport keyTransport, IBufferWriter<byte> destination)
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
        Span<byte> tag = stackalloc byte[algorithm.IsAuthenticated ? ContentEncryptionAlgorithm.GcmTagSize : 0];
        RandomNumberGenerator.Fill(key);
        RandomNumberGenerator.Fill(iv);
        try
        {
            // Each RecipientInfo's DER, then sorted as DER's SET OF requires (X.690 §11.6), as BouncyCastle's DerSet did.
            var recipientInfos = new byte[recipients.Count][];
            bool anyKeyAgreement = false;
            int recipientSetContent = 0;
            for (int i = 0; i < recipients.Count; i++)
            {
                anyKeyAgreement |= CmsRecipientInfos.UsesKeyAgreement(recipients[i]);
                recipientInfos[i] = CmsRecipientInfos.Encode(recipients[i], key, keyTransport);
                recipientSetContent += recipientInfos[i].Length;
            }

            if (recipientInfos.Length > 1)
            {
                Array.Sort(recipientInfos, DerSetOrder.Instance);
            }

            // RFC 5652 §6.1: version 2 when any RecipientInfo is not version 0 (kari is version 3), else 0.
            // RFC 5083 §2.1: AuthEnvelopedData is always version 0.
            int versionNumber = algorithm.IsAuthenticated ? 0 : anyKeyAgreement ? 2 : 0;

            // The structure is assembled by hand around the ciphertext so that AES writes straight into
            // the final DER array: the (large) content is encrypted once and never copied.
            byte[] contentInfoType = algorithm.IsAuthenticated ? AuthEnvelopedDataTypeDer : EnvelopedDataTypeDer;
            byte[] version = versionNumber == 0 ? Version0Der : Version2Der;
            int recipientSetLength = DerHeader.Total(recipientSetContent);
            byte[] dataType = DataTypeDer;
            byte[] algorithmIdentifier = algorithm.CreateIdentifier(iv).GetEncoded(Asn1Encodable.Der);
            int ciphertextLength = algorithm.GetCiphertextLength(content.Length);
            // RFC 5083 §2.1: mac OCTET STRING follows the encrypted content (authAttrs absent).
            int macLength = algorithm.IsAuthenticated ? DerHeader.Total(ContentEncryptionAlgorithm.GcmTagSize) : 0;

            int encryptedContentInfoLength = dataType.Length + algorithmIdentifier.Length + DerHeader.Total(ciphertextLength);
            int envelopedDataLength = version.Length + recipientSetLength + DerHeader.Total(encryptedContentInfoLength) + macLength;
            int explicitLength = DerHeader.Total(envelopedDataLength);
            int contentInfoLength = contentInfoType.Length + DerHeader.Total(explicitLength);
            int derLength = DerHeader.Total(contentInfoLength);
            var span = destination.GetSpan(derLength)[..derLength];
            int offset = DerHeader.Write(span, DerHeader.Sequence, contentInfoLength);
            offset += Append(span[offset..], contentInfoType);
            offset += DerHeader.Write(span[offset..], DerHeader.ContextExplicit0, explicitLength);
            offset += DerHeader.Write(span[offset..], DerHeader.Sequence, envelopedDataLength);
            offset += Append(span[offset..], version);
            offset += DerHeader.Write(span[offset..], DerHeader.Set, recipientSetContent);
            foreach (var recipientInfo in recipientInfos)
            {
                offset += Append(span[offset..], recipientInfo);
            }

            offset += DerHeader.Write(span[offset..], DerHeader.Sequence, encryptedContentInfoLength);
            offset += Append(span[offset..], dataType);
            offset += Append(span[offset..], algorithmIdentifier);
            offset += DerHeader.Write(span[offset..], DerHeader.ContextPrimitive0, ciphertextLength); // [0] IMPLICIT OCTET STRING
            offset += algorithm.Encrypt(content, key, iv, span[offset..], tag);
            if (algorithm.IsAuthenticated)
            {
                offset += DerHeader.Write(span[offset..], DerHeader.OctetString, tag.Length);
                offset += Append(span[offset..], tag);
            }

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
