using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

public sealed class MimeComposerTests
{
    private static ProtectEmail Mail => new()
    {
        MailId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        From = new MailAddress("noreply@Bank.Example", "Bank"),
        To = [new MailAddress("alice@example.org", "Alice")],
        Cc = [new MailAddress("bob@example.org")],
        Bcc = [new MailAddress("audit@bank.example")],
        Subject = "Statement",
        TextBody = "Hello",
    };

    [Fact]
    public void Compose_sets_addresses_subject_date_and_message_id_from_the_sender_domain()
    {
        var message = MimeComposer.Compose(Mail);

        Assert.Equal("noreply@Bank.Example", message.From.Mailboxes.Single().Address);
        Assert.Equal("Alice", message.To.Mailboxes.Single().Name);
        Assert.Equal("bob@example.org", message.Cc.Mailboxes.Single().Address);
        Assert.Equal("audit@bank.example", message.Bcc.Mailboxes.Single().Address);
        Assert.Equal("Statement", message.Subject);
        Assert.Equal("0f8fad5bd9cb469fa16570867728950e@bank.example", message.MessageId);
        Assert.True(DateTimeOffset.UtcNow - message.Date < TimeSpan.FromMinutes(1));
        var text = Assert.IsType<TextPart>(message.Body);
        Assert.Equal(ContentEncoding.QuotedPrintable, text.ContentTransferEncoding);
        Assert.Equal("utf-8", text.ContentType.Charset);
    }

    [Fact]
    public void Compose_builds_alternative_inside_mixed_when_there_are_both_bodies_and_attachments()
    {
        var message = MimeComposer.Compose(Mail with
        {
            HtmlBody = "<p>Hello</p>",
            Attachments = [new MailAttachment("a.bin", "application/octet-stream", [1, 2, 3])],
        });

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.IsType<MultipartAlternative>(mixed[0]);
        var attachment = Assert.IsType<MimePart>(mixed[1]);
        Assert.Equal("a.bin", attachment.FileName);
        Assert.Equal(ContentEncoding.Base64, attachment.ContentTransferEncoding);
    }

    [Theory]
    [InlineData("From")]
    [InlineData("bcc")]
    [InlineData("Message-ID")]
    [InlineData("MIME-Version")]
    [InlineData("Content-Type")]
    [InlineData("content-transfer-encoding")]
    public void Compose_refuses_structural_extra_headers_and_names_them(string header)
    {
        var exception = Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(Mail with
        {
            Headers = new Dictionary<string, string> { [header] = "x" },
        }));

        Assert.Equal(ProtectionRefusal.InvalidMessage, exception.Refusal);
        Assert.Contains(header, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compose_refuses_a_mail_without_recipients_or_sender()
    {
        var noRecipient = Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(Mail with { To = [], Cc = [], Bcc = [] }));
        var noSender = Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(Mail with { From = new MailAddress("") }));

        Assert.Equal(ProtectionRefusal.InvalidMessage, noRecipient.Refusal);
        Assert.Equal(ProtectionRefusal.InvalidMessage, noSender.Refusal);
    }

    [Fact]
    public void Compose_uses_the_given_clock()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero));

        var message = MimeComposer.Compose(Mail, clock);

        Assert.Equal(clock.GetUtcNow(), message.Date);
    }

    [Fact]
    public void Compose_writes_the_headers_in_a_fixed_order_with_the_clock_s_date_and_no_generated_values()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 1, 8, 30, 15, 250, TimeSpan.Zero));

        var message = MimeComposer.Compose(Mail with { Subject = "Kontoauszug März" }, clock);

        Assert.Equal(["From", "Date", "Subject", "Message-Id", "To", "Cc", "Bcc"], message.Headers.Select(h => h.Field));
        Assert.Equal("Sun, 01 Mar 2026 08:30:15 +0000", message.Headers[HeaderId.Date]);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 30, 15, TimeSpan.Zero), message.Date);
        Assert.Equal("Kontoauszug März", message.Subject);
        Assert.Equal("<0f8fad5bd9cb469fa16570867728950e@bank.example>", message.Headers[HeaderId.MessageId]);
        using var written = new MemoryStream();
        message.Headers.WriteTo(MimeCanonicalizer.CanonicalFormat, written);
        string headers = System.Text.Encoding.ASCII.GetString(written.ToArray());
        Assert.Equal(
            "From: Bank <noreply@Bank.Example>\r\nDate: Sun, 01 Mar 2026 08:30:15 +0000\r\nSubject: Kontoauszug =?utf-8?b?TcOkcno=?=\r\n"
            + "Message-Id: <0f8fad5bd9cb469fa16570867728950e@bank.example>\r\nTo: Alice <alice@example.org>\r\nCc: bob@example.org\r\n"
            + "Bcc: audit@bank.example\r\n\r\n",
            headers);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
