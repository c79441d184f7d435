using System.Runtime.InteropServices;
using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The producer claim's bytes (issue 17): a preamble with the mail id (and a ProtectMimeMessage's policy), then today's
/// binary body, read back by the same binary serializers; its id parsed as strictly as the sender's claim ids.
/// </summary>
public sealed class ProducerClaimContentTests
{
    private static readonly Guid MailId = Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");

    [Fact]
    public void A_ProtectEmail_round_trips_with_its_mail_id_and_every_payload()
    {
        var attachment = new byte[300_000];
        new Random(3).NextBytes(attachment);
        var mail = new ProtectEmail
        {
            MailId = MailId,
            From = new MailAddress("a@bank.example"),
            To = [new MailAddress("c@example.org", "Ç")],
            Subject = "Grüße",
            TextBody = "text",
            HtmlBody = "<p>html</p>",
            Attachments = [new MailAttachment("a.bin", "application/octet-stream", attachment)],
            Policy = SecurityPolicy.SignAndEncrypt with { AllowSignOnly = true },
        };

        var content = ProtectClaimContent.Write(mail);
        var read = Assert.IsType<ProtectEmail>(ProtectClaimContent.Read(content, 20_000_000));

        Assert.True(ProtectClaimContent.HoldsProtectEmail(content));
        Assert.Equal(MailId, read.MailId);
        Assert.Equal(mail.Subject, read.Subject);
        Assert.Equal(mail.TextBody, read.TextBody);
        Assert.Equal(mail.HtmlBody, read.HtmlBody);
        Assert.Equal(attachment, Assert.Single(read.Attachments).Content);
        Assert.Equal(mail.Policy, read.Policy);
        Assert.Equal(mail.To, read.To);
    }

    [Fact]
    public void A_pooled_claim_holds_the_same_bytes_and_is_cleared_when_disposed()
    {
        var attachment = new byte[300_000];
        new Random(5).NextBytes(attachment);
        var mail = new ProtectEmail
        {
            MailId = MailId,
            From = new MailAddress("a@bank.example"),
            To = [new MailAddress("c@example.org")],
            TextBody = "text",
            Attachments = [new MailAttachment("a.bin", "application/octet-stream", attachment)],
        };

        var pooled = ProtectClaimContent.WritePooled(mail);
        Assert.Equal(ProtectClaimContent.Write(mail), pooled.Memory.ToArray());
        Assert.True(MemoryMarshal.TryGetArray(pooled.Memory, out var rented));
        Assert.Equal(attachment, Assert.IsType<ProtectEmail>(ProtectClaimContent.Read(pooled.Memory.Span, 20_000_000)).Attachments![0].Content);

        pooled.Dispose();

        // The array went back to the pool holding the mail's bytes only as zeros, and the buffer cannot be read any more.
        Assert.All(rented.Array![..pooled.Length], b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => pooled.Memory);
        pooled.Dispose();
    }

    [Fact]
    public void A_ProtectMimeMessage_round_trips_with_its_policy()
    {
        var eml = Encoding.ASCII.GetBytes("From: a@bank.example\r\nTo: c@example.org\r\nSubject: x\r\n\r\nbody\r\n");
        var policy = new SecurityPolicy { Encrypt = false, HeaderProtection = true, MissingCertificate = MissingCertificatePolicy.Split };
        var content = ProtectClaimContent.Write(new ProtectMimeMessage { MailId = MailId, Message = eml, Policy = policy });

        var read = Assert.IsType<ProtectMimeMessage>(ProtectClaimContent.Read(content, 20_000_000));

        Assert.False(ProtectClaimContent.HoldsProtectEmail(content));
        Assert.Equal(MailId, read.MailId);
        Assert.Equal(eml, read.Message);
        Assert.Equal(policy, read.Policy);
    }

    [Fact]
    public void A_broken_preamble_or_body_is_refused_naming_the_rule()
    {
        var good = ProtectClaimContent.Write(new ProtectEmail { MailId = MailId, From = new MailAddress("a@bank.example"), To = [new MailAddress("c@example.org")], TextBody = "t" });

        var wrongMagic = (byte[])good.Clone();
        wrongMagic[0] = (byte)'X';
        var unknownKind = (byte[])good.Clone();
        unknownKind[5] = 9;
        var policyOnEmail = (byte[])good.Clone();
        policyOnEmail[23] = 1;
        var truncated = good[..^1];

        Assert.Contains("preamble SMPC", Assert.Throws<ProtectCommandFormatException>(() => ProtectClaimContent.Read(wrongMagic, 1_000_000)).Message, StringComparison.Ordinal);
        Assert.Contains("unknown command", Assert.Throws<ProtectCommandFormatException>(() => ProtectClaimContent.Read(unknownKind, 1_000_000)).Message, StringComparison.Ordinal);
        Assert.Throws<ProtectCommandFormatException>(() => ProtectClaimContent.Read(policyOnEmail, 1_000_000));
        Assert.Throws<ProtectCommandFormatException>(() => ProtectClaimContent.Read(truncated, 1_000_000));
        Assert.Throws<ProtectCommandFormatException>(() => ProtectClaimContent.Read(good.AsSpan(0, 10), 1_000_000));
    }

    [Fact]
    public void A_body_above_the_limit_is_refused_before_it_is_read()
    {
        var content = ProtectClaimContent.Write(new ProtectEmail
        {
            MailId = MailId,
            From = new MailAddress("a@bank.example"),
            To = [new MailAddress("c@example.org")],
            Attachments = [new MailAttachment("a.bin", "application/octet-stream", new byte[2 * ProtectCommandBinaryFormat.MaxManifestBytes])],
        });

        Assert.Throws<ProtectCommandTooLargeException>(() => ProtectClaimContent.Read(content, 65_536));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("urn:smime-claim:0123456789abcdef0123456789abcdef")]
    [InlineData("urn:smime-protect-claim:0123456789ABCDEF0123456789abcdef")]
    [InlineData("urn:smime-protect-claim:0123456789abcdef0123456789abcde")]
    [InlineData("urn:smime-protect-claim:0123456789abcdef0123456789abcdef0")]
    [InlineData("urn:smime-protect-claim:01234567-89ab-cdef-0123-456789abcdef")]
    [InlineData("urn:smime-protect-claim:../../../../etc/passwd000000000000")]
    [InlineData(" urn:smime-protect-claim:0123456789abcdef0123456789abcdef")]
    [InlineData("URN:SMIME-PROTECT-CLAIM:0123456789abcdef0123456789abcdef")]
    public void Only_the_exact_address_form_parses(string? address)
    {
        Assert.False(ProtectClaimId.TryParse(address, out _, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void A_new_id_round_trips_through_its_address()
    {
        var id = ProtectClaimId.NewId();

        Assert.True(ProtectClaimId.TryParse(id.Address, out var parsed, out _));
        Assert.Equal(id, parsed);
        Assert.Matches("^urn:smime-protect-claim:[0-9a-f]{32}$", id.Address);
    }
}
