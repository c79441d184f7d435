using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Writes the two S/MIME entities byte for byte (RFC 8551 §3.5.3 and §3.3), so the signed content is
/// embedded exactly as it was hashed, without a re-parse.
/// </summary>
internal static class SmimeEntityWriter
{
    private static readonly byte[] EnvelopedHeaders = Pkcs7MimeHeaders("enveloped-data");
    private static readonly byte[] AuthEnvelopedHeaders = Pkcs7MimeHeaders("authEnveloped-data");
    private static readonly byte[] SignedDataHeaders = Pkcs7MimeHeaders("signed-data");

    private static readonly byte[] SignaturePartHeaders = Encoding.ASCII.GetBytes(
        "Content-Type: application/pkcs7-signature; name=smime.p7s\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=smime.p7s\r\n\r\n");

    /// <summary>Writes <c>multipart/signed</c> with <paramref name="content"/> as its first part, unchanged.</summary>
    public static void WriteMultipartSigned(Stream destination, ReadOnlySpan<byte> content, ReadOnlySpan<byte> signature, string micAlg)
    {
        string boundary = WriteMultipartSignedStart(destination, micAlg);
        destination.Write(content);
        WriteMultipartSignedEnd(destination, boundary, signature);
    }

    /// <summary>
    /// Writes <c>multipart/signed</c>'s headers and preamble up to its first part: the caller then writes the signed
    /// content itself right after them (no copy of it) and ends the entity with <see cref="WriteMultipartSignedEnd"/>.
    /// </summary>
    /// <returns>The boundary, for <see cref="WriteMultipartSignedEnd"/>.</returns>
    public static string WriteMultipartSignedStart(Stream destination, string micAlg)
    {
        // "=_" cannot occur in quoted-printable or base64 text, so the boundary never collides with content.
        string boundary = "=_smime_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        WriteAscii(destination, $"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n\tmicalg={micAlg}; boundary=\"{boundary}\"\r\n\r\n");
        WriteAscii(destination, "This is an S/MIME signed message.\r\n\r\n--" + boundary + "\r\n");
        return boundary;
    }

    /// <summary>Ends a <c>multipart/signed</c> begun by <see cref="WriteMultipartSignedStart"/>: the signature part and the close delimiter.</summary>
    public static void WriteMultipartSignedEnd(Stream destination, string boundary, ReadOnlySpan<byte> signature)
    {
        // RFC 2046 §5.1.1: the CRLF before the delimiter belongs to the delimiter, not to the signed content.
        WriteAscii(destination, "\r\n--" + boundary + "\r\n");
        destination.Write(SignaturePartHeaders);
        WriteBase64Lines(destination, signature);
        WriteAscii(destination, "\r\n--" + boundary + "--\r\n");
    }

    /// <summary>Writes <c>application/pkcs7-mime</c> with the smime-type of <paramref name="type"/> (RFC 8551 §3.2.2, RFC 5083 §1).</summary>
    public static void WritePkcs7Mime(Stream destination, ReadOnlySpan<byte> der, Pkcs7MimeType type)
    {
        destination.Write(HeadersOf(type));
        WriteBase64Lines(destination, der);
    }

    /// <summary>
    /// The whole message in one exactly sized array: <paramref name="messageHeaders"/>, then the
    /// <c>application/pkcs7-mime</c> entity around <paramref name="der"/>, base64-encoded in place. The bytes that
    /// go on the queue are written once, with no intermediate buffer to copy from or to clear.
    /// </summary>
    public static byte[] CreatePkcs7MimeMessage(ReadOnlySpan<byte> messageHeaders, ReadOnlySpan<byte> der, Pkcs7MimeType type)
    {
        var entityHeaders = HeadersOf(type);
        // Every byte is written below, so the runtime need not zero the array first: for the largest array of the
        // protect stage (the whole output) that saved pass over fresh memory is measurable.
        var message = GC.AllocateUninitializedArray<byte>(messageHeaders.Length + entityHeaders.Length + Base64Lines.EncodedLength(der.Length));
        messageHeaders.CopyTo(message);
        entityHeaders.CopyTo(message.AsSpan(messageHeaders.Length));
        int written = messageHeaders.Length + entityHeaders.Length + Base64Lines.Encode(der, message.AsSpan(messageHeaders.Length + entityHeaders.Length));
        if (written != message.Length)
        {
            throw new InvalidOperationException("The protected message's length was miscounted.");
        }

        return message;
    }

    private static byte[] HeadersOf(Pkcs7MimeType type) => type switch
    {
        Pkcs7MimeType.AuthEnvelopedData => AuthEnvelopedHeaders,
        Pkcs7MimeType.SignedData => SignedDataHeaders,
        _ => EnvelopedHeaders,
    };

    private static byte[] Pkcs7MimeHeaders(string smimeType) => Encoding.ASCII.GetBytes(
        $"Content-Type: application/pkcs7-mime; smime-type={smimeType};\r\n\tname=smime.p7m\r\n" +
        "Content-Transfer-Encoding: base64\r\n" +
        "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n");

    /// <summary>Base64 in lines of 76 characters, each ended by CRLF, through a pooled buffer of 256 lines.</summary>
    private static void WriteBase64Lines(Stream destination, ReadOnlySpan<byte> data)
    {
        const int chunkBytes = 256 * Base64Lines.BytesPerLine;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Base64Lines.EncodedLength(chunkBytes));
        try
        {
            while (!data.IsEmpty)
            {
                int take = Math.Min(chunkBytes, data.Length);
                destination.Write(buffer, 0, Base64Lines.Encode(data[..take], buffer));
                data = data[take..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteAscii(Stream destination, string text)
    {
        Span<byte> bytes = text.Length <= 512 ? stackalloc byte[text.Length] : new byte[text.Length];
        Encoding.ASCII.GetBytes(text, bytes);
        destination.Write(bytes);
    }
}
