using System.Text;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>
/// The binary <c>ProtectMimeMessage</c> (issue 17): the body is the .eml as it is, mail id and policy are headers read as
/// strictly as JSON fields; the size limit and the meaning of the fields stay the validator's.
/// </summary>
public sealed class ProtectMimeMessageBinaryFormatTests
{
    private const string Secret = "SECRET-7c1f";
    private static readonly Guid MailId = Guid.Parse("5d0e9c1a-7b2f-4e3d-8c4b-6a5f4e3d2c1b");
    private static readonly byte[] Eml = Encoding.UTF8.GetBytes($"From: a@b.example\r\nTo: c@d.example\r\nSubject: Grüße\r\n\r\n{Secret}\r\n");

    [Fact]
    public void The_message_is_the_body_and_id_and_policy_round_trip_through_headers()
    {
        var policy = new SecurityPolicy { Encrypt = false, Cipher = "aes128-cbc", HeaderProtection = true, MissingCertificate = MissingCertificatePolicy.Split };
        var (body, headers) = Send(new ProtectMimeMessage { MailId = MailId, Message = Eml, Policy = policy });

        Assert.Equal(Eml, body);
        var read = Read(body, headers);
        Assert.Equal(MailId, read.MailId);
        Assert.Equal(Eml, read.Message);
        Assert.Equal(policy, read.Policy);
        Assert.Null(ProtectMimeMessageValidator.Validate(read, 1_000_000));
    }

    [Fact]
    public void Without_a_policy_header_the_default_signs_and_encrypts()
    {
        var read = Read(Eml, new() { [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D") });

        Assert.Equal(SecurityPolicy.SignAndEncrypt, read.Policy);
    }

    [Fact]
    public void An_empty_or_oversized_message_is_refused_by_the_validator_as_for_json()
    {
        var headers = new Dictionary<string, object?> { [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D") };

        Assert.Equal("invalid-message", ProtectMimeMessageValidator.Validate(Read([], headers), 65_536)?.ReasonCode);
        Assert.Equal(MailRefusal.MessageTooLarge, ProtectMimeMessageValidator.Validate(Read(new byte[65_537], headers), 65_536)?.ReasonCode);
    }

    [Fact]
    public void A_body_above_max_message_bytes_is_refused_as_too_large_before_it_is_copied()
    {
        var headers = new TableHeaders(new Dictionary<string, object?> { [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D") });
        var serializer = new ProtectMimeMessageBinarySerializer(65_536);
        var atLimit = new CopyCountingMessageBody(65_536);
        var above = new CopyCountingMessageBody(65_537);

        Assert.True(serializer.Deserialize(atLimit, headers).TryGetMessage<ProtectMimeMessage>(out var read));
        var ex = Assert.Throws<ProtectCommandTooLargeException>(() => serializer.Deserialize(above, headers));

        Assert.Equal(65_536, read!.Message.Length);
        Assert.Equal(0, above.Copies);
        Assert.Equal("the binary ProtectMimeMessage is 65537 bytes, above the limit of 65536 (SmimePipeline:MaxMessageBytes)", ex.Message);
        Assert.Equal(65_536, ProtectCommandBinaryFormat.LargestMimeMessageBody(65_536));
    }

    public static TheoryData<object?, string> PolicyFaults => new()
    {
        { 12, "header smime-policy is of type int32, not a string" },
        { new string(' ', 1_025), "header smime-policy is 1025 characters long, above 1024" },
        { "{\"sign\":true,\"sign\":false}", "header smime-policy gives a field twice" },
        { "{\"encrypt\":\"" + Secret + "\"}", "header smime-policy has a value that is not JSON of the contract's shape" },
        { "{\"priority\":1}", "does not define" },
        { "{\"missingCertificate\":\"Sometimes\"}", "header smime-policy has a value that is not JSON" },
    };

    [Theory]
    [MemberData(nameof(PolicyFaults))]
    public void A_malformed_policy_header_is_refused_naming_it_and_never_its_value(object? value, string rule)
    {
        var headers = new Dictionary<string, object?>
        {
            [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D"),
            [ProtectCommandBinaryFormat.PolicyHeader] = value,
        };

        var ex = Assert.Throws<ProtectCommandFormatException>(() => Read(Eml, headers));

        Assert.StartsWith("the binary ProtectMimeMessage ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_header_in_a_second_spelling_is_refused()
    {
        var headers = new Dictionary<string, object?>
        {
            [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D"),
            ["Smime-Policy"] = "{}",
        };

        var ex = Assert.Throws<ProtectCommandFormatException>(() => Read(Eml, headers));

        Assert.Contains("header smime-policy is given twice (in two spellings)", ex.Message, StringComparison.Ordinal);
    }

    private static (byte[] Body, Dictionary<string, object?> Headers) Send(ProtectMimeMessage mail)
    {
        // What the serializer writes: the body, and the headers it sets on the send.
        var headers = new Dictionary<string, object?>
        {
            [ProtectCommandBinaryFormat.MailIdHeader] = mail.MailId.ToString("D"),
            [ProtectCommandBinaryFormat.PolicyHeader] = System.Text.Json.JsonSerializer.Serialize(mail.Policy, ProtectCommandJsonContext.Default.SecurityPolicy),
        };
        return (mail.Message, headers);
    }

    private static ProtectMimeMessage Read(byte[] body, Dictionary<string, object?> headers)
    {
        var context = new ProtectMimeMessageBinarySerializer().Deserialize(new BytesMessageBody(body), new TableHeaders(headers));
        Assert.True(context.TryGetMessage<ProtectMimeMessage>(out var mail));
        return mail!;
    }
}
