using System.Globalization;
using System.Text;
using SmimePipeline.Contracts;

namespace SmimePipeline.Cli.Demo;

/// <summary>
/// Makes varied demo mail: plain text, HTML with a text alternative, a PDF-like attachment, and
/// several recipients with Cc and Bcc, from an RSA and an ECDSA sender in turn.
/// </summary>
internal sealed class DemoMailFactory(string rsaSender, string ecdsaSender, IReadOnlyList<string> recipients)
{
    /// <summary>The first recipient; every fourth mail starting with mail 0 goes to them alone.</summary>
    public string FirstRecipient => recipients[0];

    public ProtectEmail Create(int index)
    {
        var from = index % 2 == 0 ? rsaSender : ecdsaSender;
        var number = index.ToString(CultureInfo.InvariantCulture);
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress(from, "SmimePipeline Demo"),
            To = [new MailAddress(recipients[index % recipients.Count], "Demo Recipient")],
            Subject = $"Statement {number}: your account summary",
            Headers = new Dictionary<string, string> { ["X-Demo-Sequence"] = number },
        };

        return (index % 4) switch
        {
            0 => mail with { TextBody = $"Hello,\r\n\r\nThis is demo statement {number}.\r\nFrom now on it is signed and encrypted.\r\n" },
            1 => mail with
            {
                TextBody = $"Your statement {number} is ready.",
                HtmlBody = $"<html><body><h1>Statement {number}</h1><p>Grüße — your balance is <b>€1,234.56</b>.</p></body></html>",
            },
            2 => mail with
            {
                TextBody = $"Please find statement {number} attached.",
                Attachments = [new MailAttachment($"statement-{number}.pdf", "application/pdf", FakePdf(index, 30 * 1024))],
            },
            _ => mail with
            {
                To = [new MailAddress(recipients[0]), new MailAddress(recipients[1 % recipients.Count])],
                Cc = [new MailAddress(recipients[2 % recipients.Count], "Carbon Copy")],
                TextBody = $"Notice {number} to several recipients.\r\nFrom the operations team.\r\n",
            },
        };
    }

    /// <summary>Binary content that starts like a PDF, so the attachment path sees real 8-bit data.</summary>
    private static byte[] FakePdf(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var header = Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        header.CopyTo(bytes, 0);
        return bytes;
    }
}
