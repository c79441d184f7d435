using System.Security.Cryptography;
using SmimePipeline.Contracts;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Varied test mail, each carrying a marker (its id) in its body so the judge can match content.</summary>
public static class TestMails
{
    public static string Marker(Guid mailId) => $"marker-{mailId:N}";

    /// <summary>
    /// A statement from <paramref name="sender"/> to <paramref name="recipient"/> alone with an attachment of
    /// <paramref name="attachmentBytes"/> random bytes (above the claim-check threshold, it travels by claim) and the
    /// marker in its text.
    /// </summary>
    public static ProtectEmail LargeStatement(string sender, string recipient, int attachmentBytes)
    {
        var attachment = new byte[attachmentBytes];
        Random.Shared.NextBytes(attachment);
        var mail = Create(0, sender, sender, [recipient]);
        return mail with
        {
            From = new MailAddress(sender),
            To = [new MailAddress(recipient)],
            TextBody = $"Large statement. {Marker(mail.MailId)}",
            Attachments = [new MailAttachment("statement.bin", "application/octet-stream", attachment)],
        };
    }

    public static ProtectEmail Create(int index, string rsaSender, string ecdsaSender, IReadOnlyList<string> recipients)
    {
        var id = Guid.NewGuid();
        var marker = Marker(id);
        var mail = new ProtectEmail
        {
            MailId = id,
            From = new MailAddress(index % 3 == 0 ? ecdsaSender : rsaSender, "Integration Test"),
            To = [new MailAddress(recipients[index % recipients.Count], "Recipient")],
            Subject = $"Integration mail {index}",
        };

        return (index % 5) switch
        {
            0 => mail with { TextBody = $"Plain text {marker}\r\nFrom the start of a line.\r\n" },
            1 => mail with { TextBody = $"Alternative {marker}", HtmlBody = $"<p>HTML {marker} — Grüße</p>" },
            2 => mail with
            {
                TextBody = $"Attachment {marker}",
                Attachments = [new MailAttachment("report.bin", "application/octet-stream", RandomNumberGenerator.GetBytes(4096))],
            },
            3 => mail with
            {
                To = [new MailAddress(recipients[0]), new MailAddress(recipients[1])],
                Cc = [new MailAddress(recipients[2])],
                TextBody = $"Several recipients {marker}",
            },
            _ => mail with
            {
                Bcc = [new MailAddress(recipients[(index + 1) % recipients.Count])],
                TextBody = $"Blind copy {marker} with a long line {new string('x', 1200)}",
            },
        };
    }
}
