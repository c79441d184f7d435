using System.Text;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cryptography.Tests;

internal static class TestMails
{
    public const string SecretWord = "Kontostand-4711-geheim";

    // 8-bit text, a line starting "From ", trailing spaces and a 1,200-character line: everything
    // a relay would otherwise rewrite (RFC 8551 §3.1.1).
    public static readonly string Text =
        "Grüße aus Zürich – " + SecretWord + "\n" +
        "From here on, the statement follows.\n" +
        "This line ends with spaces   \n" +
        new string('x', 1200) + "\n" +
        "Ende.\n";

    public const string Html = "<html><body><p>Grüße – <b>" + SecretWord + "</b></p></body></html>";

    public static readonly byte[] Attachment = CreateAttachment();

    public static ProtectEmail Create(string from, params string[] to) => new()
    {
        MailId = Guid.NewGuid(),
        From = new MailAddress(from, "Demo Bank Ä"),
        To = to.Select(a => new MailAddress(a, "Empfänger " + a[..a.IndexOf('@', StringComparison.Ordinal)])).ToList(),
        Subject = "Ihr Kontoauszug – November",
        TextBody = Text,
        HtmlBody = Html,
        Attachments = [new MailAttachment("statement.pdf", "application/pdf", Attachment)],
        Headers = new Dictionary<string, string> { ["X-Customer-Ref"] = "C-12345" },
    };

    public static string NormalizeNewLines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static byte[] CreateAttachment()
    {
        var bytes = new byte[5000];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31 % 256);
        }

        Encoding.ASCII.GetBytes("%PDF-1.4\n").CopyTo(bytes, 0);
        return bytes;
    }
}
