using SmimePipeline.Contracts;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>
/// The binary <c>DeliverEmail</c>'s headers read as strictly as its JSON: each structural fault is refused naming the
/// header, never quoting a value; what a well-formed header means is the validator's, as for JSON.
/// </summary>
public sealed class DeliverEmailHeaderReaderTests
{
    private static readonly Guid MailId = Guid.Parse("6f1c2a5e-3b7d-4e8f-9a0b-1c2d3e4f5a6b");

    private static Dictionary<string, object?> Good() => new()
    {
        [DeliverEmailBinaryFormat.MailIdHeader] = MailId.ToString("D"),
        [DeliverEmailBinaryFormat.EnvelopeFromHeader] = "bounces@bank.example",
        [DeliverEmailBinaryFormat.EnvelopeToHeader] = "a@example.org,b@example.org",
        [DeliverEmailBinaryFormat.AttemptHeader] = 2,
        [DeliverEmailBinaryFormat.ProtectionHeader] = "SignatureAndEncryption",
    };

    [Fact]
    public void Well_formed_headers_and_body_give_the_message()
    {
        byte[] body = [1, 2, 3];
        var mail = DeliverEmailHeaderReader.Read(new TableHeaders(Good()), body);

        Assert.Equal(MailId, mail.MailId);
        Assert.Equal("bounces@bank.example", mail.EnvelopeFrom);
        Assert.Equal(["a@example.org", "b@example.org"], mail.EnvelopeTo);
        Assert.Same(body, mail.Content);
        Assert.Equal(2, mail.Attempt);
        Assert.Equal(AppliedProtection.SignatureAndEncryption, mail.Protection);
        Assert.Null(mail.ContentAddress);
        Assert.Null(DeliverEmailValidator.Validate(mail, 1_000_000));
    }

    [Fact]
    public void Optional_headers_may_be_absent_and_a_claim_check_has_an_empty_body()
    {
        var headers = Good();
        headers.Remove(DeliverEmailBinaryFormat.AttemptHeader);
        headers.Remove(DeliverEmailBinaryFormat.ProtectionHeader);
        headers[DeliverEmailBinaryFormat.ContentAddressHeader] = "claim://deliver/6f1c2a5e3b7d4e8f9a0b1c2d3e4f5a6b";

        var mail = DeliverEmailHeaderReader.Read(new TableHeaders(headers), []);

        Assert.Equal(0, mail.Attempt);
        Assert.Null(mail.Protection);
        Assert.Equal(new Uri("claim://deliver/6f1c2a5e3b7d4e8f9a0b1c2d3e4f5a6b"), mail.ContentAddress);
        Assert.Empty(mail.Content);
    }

    public static TheoryData<string, object?, string> Faults => new()
    {
        { DeliverEmailBinaryFormat.MailIdHeader, null, "is missing" },
        { DeliverEmailBinaryFormat.MailIdHeader, "not-a-guid-secret", "is not a GUID" },
        { DeliverEmailBinaryFormat.MailIdHeader, 42, "is of type int32, not a string" },
        { DeliverEmailBinaryFormat.EnvelopeFromHeader, null, "is missing" },
        { DeliverEmailBinaryFormat.EnvelopeFromHeader, new string('q', 2_049), "is 2049 characters long, above 2048" },
        { DeliverEmailBinaryFormat.EnvelopeToHeader, null, "is missing" },
        { DeliverEmailBinaryFormat.EnvelopeToHeader, new List<object> { "a@example.org" }, "is of type list`1, not a string" },
        { DeliverEmailBinaryFormat.EnvelopeToHeader, new string('q', DeliverEmailBinaryFormat.MaxEnvelopeToLength + 1), "characters long, above" },
        { DeliverEmailBinaryFormat.AttemptHeader, "1", "is of type string, not an integer" },
        { DeliverEmailBinaryFormat.AttemptHeader, 1.5, "is of type double, not an integer" },
        { DeliverEmailBinaryFormat.AttemptHeader, long.MaxValue, "is outside the 32-bit integer range" },
        { DeliverEmailBinaryFormat.ProtectionHeader, "3", "is not Signature, Encryption or SignatureAndEncryption" },
        { DeliverEmailBinaryFormat.ProtectionHeader, "None", "is not Signature, Encryption or SignatureAndEncryption" },
        { DeliverEmailBinaryFormat.ContentAddressHeader, "relative/secret", "is not an absolute URI" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void A_structural_fault_is_refused_naming_the_header_and_never_its_value(string header, object? value, string problem)
    {
        var headers = Good();
        if (value is null)
        {
            headers.Remove(header);
        }
        else
        {
            headers[header] = value;
        }

        var refused = Assert.Throws<DeliverEmailHeaderException>(() => DeliverEmailHeaderReader.Read(new TableHeaders(headers), []));

        Assert.Equal(header, refused.Header);
        Assert.Contains($"header {header} ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qqqq", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_header_in_a_second_spelling_is_refused_as_duplicated()
    {
        var headers = Good();
        headers["SMIME-Envelope-From"] = "attacker@example.org";

        var refused = Assert.Throws<DeliverEmailHeaderException>(() => DeliverEmailHeaderReader.Read(new TableHeaders(headers), []));

        Assert.Equal(DeliverEmailBinaryFormat.EnvelopeFromHeader, refused.Header);
        Assert.Contains("is given twice", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_the_contract_refuses_pass_the_reader_and_are_refused_by_the_validator_like_json()
    {
        var headers = Good();
        headers[DeliverEmailBinaryFormat.EnvelopeToHeader] = "a@example.org,,b@example.org";
        headers[DeliverEmailBinaryFormat.AttemptHeader] = -1;

        var mail = DeliverEmailHeaderReader.Read(new TableHeaders(headers), [1]);
        var refusal = DeliverEmailValidator.Validate(mail, 1_000_000);

        Assert.NotNull(refusal);
        Assert.Equal(MailRefusal.InvalidMessage, refusal.ReasonCode);
        Assert.Contains("EnvelopeTo[1]", refusal.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_signer_falls_back_to_json_when_the_envelope_would_not_fit_into_an_amqp_header_frame()
    {
        var few = new DeliverEmail { MailId = MailId, EnvelopeFrom = "bounces@bank.example", EnvelopeTo = ["a@example.org"], Content = [1] };
        var many = few with { EnvelopeTo = [.. Enumerable.Range(0, 1_000).Select(i => $"{new string('r', 40)}{i}@example.org")] };

        Assert.True(DeliverEmailWireFormat.FitsInHeaders(few));
        Assert.False(DeliverEmailWireFormat.FitsInHeaders(many));
    }
}
