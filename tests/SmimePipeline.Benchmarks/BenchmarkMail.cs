using System.Globalization;
using System.Text;
using SmimePipeline.Contracts;

namespace SmimePipeline.Benchmarks;

/// <summary>The same reference messages as <c>smime bench</c>: small ≈8.4 KB (text + HTML), standard ≈53 KB (+ 30 KB PDF), as RFC 5322 bytes.</summary>
public static class BenchmarkMail
{
    public static ProtectEmail Small() => Create(0);

    /// <summary>The small message for <c>small</c>, the standard one for anything else (the benches' first argument).</summary>
    public static ProtectEmail Named(string? name) => name == "small" ? Small() : Standard();

    public static ProtectEmail Standard() => Create(30 * 1024);

    /// <summary>The large message of <c>smime bench --message large</c>: text, HTML and a 1.5 MB PDF (≈2 MB composed).</summary>
    public static ProtectEmail Large() => Create(1_500 * 1024);

    private static ProtectEmail Create(int attachmentBytes)
    {
        var text = new StringBuilder();
        for (int line = 1; text.Length < (attachmentBytes == 0 ? 2_000 : 3_000); line++)
        {
            text.Append(CultureInfo.InvariantCulture, $"Line {line}: booking {line * 7919 % 100000:D5}, amount EUR {line * 37 % 5000}.{line % 100:D2}, reference SP-{line:D6}.\r\n");
        }

        var html = new StringBuilder("<html><body><h1>Statement</h1><table>");
        for (int row = 1; html.Length < (attachmentBytes == 0 ? 4_000 : 5_000); row++)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{row}</td><td>Grüße — booking {row * 7919 % 100000:D5}</td><td>€{row * 37 % 5000}.{row % 100:D2}</td></tr>");
        }

        var pdf = new byte[attachmentBytes];
        new Random(attachmentBytes).NextBytes(pdf);
        return new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress(BenchmarkKeys.Sender),
            To = [new MailAddress(BenchmarkKeys.Recipient)],
            Subject = "Your monthly statement",
            TextBody = text.ToString(),
            HtmlBody = html.Append("</table></body></html>").ToString(),
            Attachments = attachmentBytes == 0 ? [] : [new MailAttachment("statement.pdf", "application/pdf", pdf)],
        };
    }
}
