using System.Text;
using MimeKit;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>Helpers to take protected output apart and to damage it on purpose.</summary>
internal static class ProtectedBytes
{
    public static MimeMessage Mail(string from, string subject, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = subject;
        message.Date = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        message.MessageId = Guid.NewGuid().ToString("N") + "@" + AlgorithmPki.Domain;
        message.Body = new TextPart("plain") { Text = "Hello from the algorithm matrix.\nLine two, with trailing spaces   \nFrom here on it is fine.\n" };
        return message;
    }

    /// <summary>The DER inside an application/pkcs7-mime entity, and a way to put a changed DER back.</summary>
    public static byte[] Pkcs7Der(byte[] entity)
    {
        var parsed = MimeEntity.Load(new MemoryStream(entity));
        var part = Assert.IsAssignableFrom<MimePart>(parsed);
        Assert.Equal("application/pkcs7-mime", part.ContentType.MimeType);
        using var decoded = new MemoryStream();
        part.Content!.DecodeTo(decoded);
        return decoded.ToArray();
    }

    public static byte[] ReplacePkcs7Der(byte[] message, byte[] der)
    {
        // The body of our pkcs7-mime entity is the only base64 after the first blank line of the top-level part.
        string text = Encoding.ASCII.GetString(message);
        int bodyStart = text.IndexOf("filename=smime.p7m\r\n\r\n", StringComparison.Ordinal) + "filename=smime.p7m\r\n\r\n".Length;
        Assert.True(bodyStart > 30, "no smime.p7m body found");
        return Encoding.ASCII.GetBytes(text[..bodyStart] + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\r\n", StringComparison.Ordinal) + "\r\n");
    }

    public static byte[] FlipSignatureByte(byte[] signedMessage)
    {
        string text = Encoding.ASCII.GetString(signedMessage);
        const string marker = "filename=smime.p7s\r\n\r\n";
        int start = text.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        int end = text.IndexOf("\r\n--", start, StringComparison.Ordinal);
        byte[] der = Convert.FromBase64String(text[start..end].Replace("\r\n", "", StringComparison.Ordinal));
        der[^3] ^= 0x01; // inside the signature value, the last field of the SignerInfo
        return Encoding.ASCII.GetBytes(text[..start] + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks) + text[end..]);
    }

    public static string Text(byte[] entity)
    {
        var parsed = MimeEntity.Load(new MemoryStream(entity));
        var text = parsed is Multipart multipart ? multipart.Flatten().OfType<TextPart>().First() : Assert.IsType<TextPart>(parsed);
        return text.Text.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static IEnumerable<MimeEntity> Flatten(this Multipart multipart)
    {
        foreach (var child in multipart)
        {
            if (child is Multipart inner)
            {
                foreach (var grandchild in inner.Flatten())
                {
                    yield return grandchild;
                }
            }
            else
            {
                yield return child;
            }
        }
    }
}
