using SmimePipeline.Contracts;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.Validation;

/// <summary>Each rule of the contract validators on its own: the refusal names the field and the cause.</summary>
public sealed class ContractValidatorTests
{
    private static ProtectEmail Good => new()
    {
        MailId = Guid.NewGuid(),
        From = new MailAddress("statements@bank.example", "Bank"),
        To = [new MailAddress("customer@example.org")],
        Subject = "Statement",
        TextBody = "Hello",
        Attachments = [new MailAttachment("statement.pdf", "application/pdf", [1, 2, 3])],
        Headers = new Dictionary<string, string> { ["X-Customer-Ref"] = "42" },
    };

    public static TheoryData<string, ProtectEmail> BrokenProtectEmails => new()
    {
        { "MailId", Good with { MailId = Guid.Empty } },
        { "From", Good with { From = null! } },
        { "From.Address", Good with { From = new MailAddress("statements@bank.example\r\nBcc: x@evil.example") } },
        { "From.DisplayName", Good with { From = new MailAddress("a@bank.example", "Bank\0") } },
        { "To", Good with { To = null! } },
        { "To[0]", Good with { To = [null!] } },
        { "To[0].Address", Good with { To = [new MailAddress("a b@example.org")] } },
        { "To, Cc and Bcc", Good with { To = [] } },
        { "To has 1001", Good with { To = [.. Enumerable.Range(0, 1001).Select(i => new MailAddress($"r{i}@example.org"))] } },
        { "Subject", Good with { Subject = "Hi\rBcc: x@evil.example" } },
        { "Subject", Good with { Subject = new string('s', 1_000_000) } },
        { "TextBody", Good with { TextBody = "a\0b" } },
        { "Attachments", Good with { Attachments = null! } },
        { "Attachments[0]", Good with { Attachments = [null!] } },
        { "Attachments[0].FileName", Good with { Attachments = [new MailAttachment("../../etc/passwd", "application/pdf", [])] } },
        { "Attachments[0].ContentType", Good with { Attachments = [new MailAttachment("a.pdf", "pdf", [])] } },
        { "Attachments[0].Content", Good with { Attachments = [new MailAttachment("a.pdf", "application/pdf", null!)] } },
        { "Attachments has 101", Good with { Attachments = [.. Enumerable.Range(0, 101).Select(i => new MailAttachment($"{i}.txt", "text/plain", []))] } },
        { "Headers", Good with { Headers = new Dictionary<string, string> { ["Bad Name"] = "x" } } },
        { "Headers[X-Ref]", Good with { Headers = new Dictionary<string, string> { ["X-Ref"] = "a\nb" } } },
        { "Policy", Good with { Policy = null! } },
        { "Policy", Good with { Policy = new SecurityPolicy { Sign = false, Encrypt = false } } },
        { "Policy.Cipher", Good with { Policy = new SecurityPolicy { Cipher = "des-ede3" } } },
    };

    [Theory]
    [MemberData(nameof(BrokenProtectEmails))]
    public void A_broken_ProtectEmail_field_is_refused_naming_the_field(string field, ProtectEmail mail)
    {
        var refusal = ProtectEmailValidator.Validate(mail, 20_000_000);
        Assert.NotNull(refusal);
        Assert.Equal(MailRefusal.InvalidMessage, refusal.ReasonCode);
        Assert.StartsWith(field.Split(' ')[0], refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_ProtectEmail_passes_and_an_oversize_one_is_message_too_large()
    {
        Assert.Null(ProtectEmailValidator.Validate(Good, 20_000_000));
        var big = Good with { Attachments = [new MailAttachment("big.bin", "application/octet-stream", new byte[2_000_001])] };
        Assert.Equal(MailRefusal.MessageTooLarge, ProtectEmailValidator.Validate(big, 2_000_000)?.ReasonCode);
    }

    [Fact]
    public void DeliverEmail_rules_name_the_field()
    {
        var good = new DeliverEmail { MailId = Guid.NewGuid(), EnvelopeFrom = "b@bank.example", EnvelopeTo = ["c@example.org"], Content = [1] };
        Assert.Null(DeliverEmailValidator.Validate(good, 100));
        Assert.StartsWith("MailId", DeliverEmailValidator.Validate(good with { MailId = Guid.Empty }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("EnvelopeTo", DeliverEmailValidator.Validate(good with { EnvelopeTo = null! }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("EnvelopeTo[0]", DeliverEmailValidator.Validate(good with { EnvelopeTo = ["x@y\r\nRCPT TO:<z@w>"] }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Content and ContentAddress", DeliverEmailValidator.Validate(good with { ContentAddress = new Uri("urn:smime-claim:00000000000000000000000000000000") }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Content and ContentAddress", DeliverEmailValidator.Validate(good with { Content = [] }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Attempt", DeliverEmailValidator.Validate(good with { Attempt = -1 }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Protection", DeliverEmailValidator.Validate(good with { Protection = AppliedProtection.None }, 100)?.Reason, StringComparison.Ordinal);
        Assert.Equal(MailRefusal.MessageTooLarge, DeliverEmailValidator.Validate(good with { Content = new byte[101] }, 100)?.ReasonCode);
    }

    [Fact]
    public void ProtectMimeMessage_and_HarvestCertificate_rules_name_the_field()
    {
        Assert.StartsWith("Message", ProtectMimeMessageValidator.Validate(new ProtectMimeMessage { MailId = Guid.NewGuid(), Message = [] }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("MailId", ProtectMimeMessageValidator.Validate(new ProtectMimeMessage { MailId = Guid.Empty, Message = [1] }, 100)?.Reason, StringComparison.Ordinal);
        Assert.Equal(MailRefusal.MessageTooLarge, ProtectMimeMessageValidator.Validate(new ProtectMimeMessage { MailId = Guid.NewGuid(), Message = new byte[101] }, 100)?.ReasonCode);
        Assert.StartsWith("RequestId", HarvestCertificateValidator.Validate(new HarvestCertificate { RequestId = Guid.Empty, Mail = [1] }, 100)?.Reason, StringComparison.Ordinal);
        Assert.StartsWith("Mail", HarvestCertificateValidator.Validate(new HarvestCertificate { RequestId = Guid.NewGuid(), Mail = null! }, 100)?.Reason, StringComparison.Ordinal);
    }
}
