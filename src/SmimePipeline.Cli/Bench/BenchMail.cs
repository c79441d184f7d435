using System.Globalization;
using System.Text;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The reference messages: realistic statement mail with text and HTML alternatives and, for the
/// larger sizes, a PDF-like binary attachment (random bytes, so base64 and AES see real entropy).
/// </summary>
internal static class BenchMail
{
    public static ProtectEmail Create(BenchMessageSize size, string from, string to, Guid mailId)
    {
        var (textBytes, htmlBytes, attachmentBytes) = size switch
        {
            BenchMessageSize.Small => (2_000, 4_000, 0),
            BenchMessageSize.Standard => (3_000, 5_000, 30 * 1024),
            BenchMessageSize.Large => (3_000, 5_000, 1_500 * 1024),
            _ => throw new ArgumentOutOfRangeException(nameof(size)),
        };

        return new ProtectEmail
        {
            MailId = mailId,
            From = new MailAddress(from, "Bench Sender"),
            To = [new MailAddress(to, "Bench Recipient")],
            Subject = "Your monthly statement",
            TextBody = Text(textBytes),
            HtmlBody = Html(htmlBytes),
            Attachments = attachmentBytes == 0 ? [] : [new MailAttachment("statement.pdf", "application/pdf", FakePdf(attachmentBytes))],
        };
    }

    public static BenchMessageSize Parse(string value) => value switch
    {
        "small" => BenchMessageSize.Small,
        "standard" => BenchMessageSize.Standard,
        "large" => BenchMessageSize.Large,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Expected small, standard or large."),
    };

    private static string Text(int bytes)
    {
        var text = new StringBuilder(bytes + 100);
        for (int line = 1; text.Length < bytes; line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Line {line}: booking {line * 7919 % 100000:D5}, amount EUR {line * 37 % 5000}.{line % 100:D2}, reference SP-{line:D6}.\r\n");
        }

        return text.ToString();
    }

    private static string Html(int bytes)
    {
        var html = new StringBuilder(bytes + 200);
        html.Append("<html><body><h1>Statement</h1><table>");
        for (int row = 1; html.Length < bytes; row++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{row}</td><td>Grüße — booking {row * 7919 % 100000:D5}</td><td>€{row * 37 % 5000}.{row % 100:D2}</td></tr>");
        }

        return html.Append("</table></body></html>").ToString();
    }

    private static byte[] FakePdf(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        "%PDF-1.7\n"u8.CopyTo(bytes);
        return bytes;
    }
}
