using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// Issue 13 item 5: header values are validated and refused with their cause (invalid-header), on both producer
/// paths: the composer (ProtectEmail) and a raw message (ProtectMimeMessage, smime protect). A refusal names the
/// header and the rule, never the value.
/// </summary>
[Collection("demo-pki")]
public sealed class HeaderValidationTests(DemoPkiFixture fixture)
{
    private readonly SmimeProtector _protector = new(fixture.Store);

    [Theory]
    [InlineData("Statement\0 for you", "NUL")]
    [InlineData("Statement\rBcc: thief@evil.example", "CR")]
    [InlineData("Statement\nBcc: thief@evil.example", "LF")]
    [InlineData("Statement\u0007", "U+0007")]
    public void A_subject_with_a_nul_or_a_line_break_is_refused_by_the_composer(string subject, string rule)
    {
        var mail = TestMails.Create(fixture.Pki.SenderAddress, fixture.Pki.RecipientAddresses[0]) with { Subject = subject };

        var refusal = Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(mail));

        AssertInvalidHeader(refusal, "Subject", rule);
        Assert.DoesNotContain("thief", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X Bad Name", "ftext")]
    [InlineData("X-Colon:", "ftext")]
    [InlineData("", "empty")]
    public void An_extra_header_with_a_bad_name_is_refused(string name, string rule)
    {
        var mail = TestMails.Create(fixture.Pki.SenderAddress, fixture.Pki.RecipientAddresses[0]) with
        {
            Headers = new Dictionary<string, string> { [name] = "value" },
        };

        AssertInvalidHeader(Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(mail)), null, rule);
    }

    [Fact]
    public void An_extra_header_value_with_a_crlf_is_refused()
    {
        var mail = TestMails.Create(fixture.Pki.SenderAddress, fixture.Pki.RecipientAddresses[0]) with
        {
            Headers = new Dictionary<string, string> { ["X-Ref"] = "1\r\nBcc: thief@evil.example" },
        };

        AssertInvalidHeader(Assert.Throws<ProtectionRefusedException>(() => MimeComposer.Compose(mail)), "X-Ref", "line break");
    }

    [Fact]
    public void A_one_megabyte_header_line_in_a_raw_message_is_refused()
    {
        var refusal = ProtectRaw($"X-Huge: {new string('a', 1024 * 1024)}\r\n");
        AssertInvalidHeader(refusal, "X-Huge", "998");
    }

    [Fact]
    public void A_nul_in_a_raw_subject_is_refused() =>
        AssertInvalidHeader(ProtectRaw("Subject: Statement\0 hidden\r\n"), "Subject", "NUL");

    [Fact]
    public void A_bare_cr_in_a_raw_subject_is_refused() =>
        AssertInvalidHeader(ProtectRaw("Subject: Statement\rBcc: thief@evil.example\r\n"), "Subject", "CR");

    [Fact]
    public void Headers_larger_than_the_limit_are_refused()
    {
        var headers = new StringBuilder();
        for (int i = 0; i < 400; i++)
        {
            headers.Append("X-Filler-").Append(i).Append(": ").Append(new string('f', 700)).Append("\r\n");
        }

        var refusal = ProtectRaw(headers.ToString());

        Assert.Equal(ProtectionRefusal.InvalidHeader, refusal.Refusal);
        Assert.Contains("larger than", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Folded_headers_with_unix_line_ends_are_not_refused()
    {
        var pki = fixture.Pki;
        string raw = $"From: {pki.SenderAddress}\nTo: {pki.RecipientAddresses[0]},\n {pki.RecipientAddresses[1]}\nSubject: a long\n\tfolded subject\nX-Note: {new string('n', 900)}\n\nbody\n";
        using var message = MimeMessageReader.Read(Encoding.UTF8.GetBytes(raw), "test mail");

        var result = _protector.Protect(message, SecurityPolicy.SignAndEncrypt);

        Assert.NotEmpty(result.Content);
        Assert.DoesNotContain((byte)0, result.Content);
    }

    [Fact]
    public void A_refusal_for_ten_thousand_recipients_names_five_and_a_count()
    {
        var pki = fixture.Pki;
        var missing = Enumerable.Range(0, 10_000).Select(i => new MailAddress($"r{i}@missing.smime.test")).ToList();
        var mail = TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[0]) with { Bcc = missing };
        using var message = MimeComposer.Compose(mail);

        var refusal = Assert.Throws<ProtectionRefusedException>(() => _protector.Protect(message, SecurityPolicy.SignAndEncrypt));

        Assert.Equal(ProtectionRefusal.RecipientCertificateMissing, refusal.Refusal);
        Assert.Contains("10,000 recipients", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("r4@missing.smime.test and 9,995 more", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("r5@missing.smime.test", refusal.Message, StringComparison.Ordinal);
        Assert.True(refusal.Message.Length < 400, refusal.Message);
    }

    [Fact]
    public void An_address_summary_names_at_most_five()
    {
        Assert.Equal("", AddressSummary.Format([]));
        Assert.Equal("a@x", AddressSummary.Format(["a@x"]));
        Assert.Equal("a@x, b@x, c@x, d@x, e@x", AddressSummary.Format(["a@x", "b@x", "c@x", "d@x", "e@x"]));
        Assert.Equal("a@x, b@x and 4 more", AddressSummary.Format(["a@x", "b@x", "c@x", "d@x", "e@x", "f@x"], shown: 2));
    }

    private ProtectionRefusedException ProtectRaw(string extraHeaders)
    {
        var pki = fixture.Pki;
        string raw = $"From: {pki.SenderAddress}\r\nTo: {pki.RecipientAddresses[0]}\r\n{extraHeaders}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n";
        using var message = MimeMessageReader.Read(Encoding.UTF8.GetBytes(raw), "test mail");
        return Assert.Throws<ProtectionRefusedException>(() => _protector.Protect(message, SecurityPolicy.SignAndEncrypt));
    }

    private static void AssertInvalidHeader(ProtectionRefusedException refusal, string? header, string rule)
    {
        Assert.Equal(ProtectionRefusal.InvalidHeader, refusal.Refusal);
        Assert.Equal("invalid-header", refusal.ReasonCode);
        if (header is not null)
        {
            Assert.Contains($"header {header} ", refusal.Message, StringComparison.Ordinal);
        }

        Assert.Contains(rule, refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', refusal.Message);
        Assert.DoesNotContain('\r', refusal.Message);
        Assert.DoesNotContain('\n', refusal.Message);
    }
}
