using System.Buffers.Binary;
using System.Net.Mime;
using System.Text;
using System.Text.Json;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.Messaging;

/// <summary>
/// The binary <c>ProtectEmail</c> (issue 17): what the client writes the worker reads back field for field, and a body a
/// stranger wrote is refused naming the broken rule, before anything its lengths claim is allocated, never quoting
/// content. What the fields mean stays the validator's: a binary mail is refused for the same reason as its JSON twin.
/// </summary>
public sealed class ProtectEmailBinaryFormatTests
{
    private const int Max = 1_000_000;
    private const string Secret = "SECRET-BODY-7c1f";
    private static readonly Guid MailId = Guid.Parse("0b6f7f3e-9d61-4c39-8f3e-2a1b3c4d5e6f");

    private static ProtectEmail Mail() => new()
    {
        MailId = MailId,
        From = new MailAddress("statements@bank.example", "Bänk – Kontoauszüge"),
        To = [new MailAddress("zoë@example.org", "Zoë 🐝")],
        Cc = [],
        Bcc = [.. Enumerable.Range(0, 999).Select(i => new MailAddress($"r{i}@example.org"))],
        Subject = "Ihr Auszug — 12/2026 ✓",
        TextBody = $"Grüße {Secret}\r\n日本語 \U0001F600",
        HtmlBody = "<p>Grüße</p>",
        Attachments =
        [
            new MailAttachment("empty.txt", "text/plain", []),
            new MailAttachment("auszug.pdf", "application/pdf", [.. Enumerable.Range(0, 30_000).Select(i => (byte)i)]),
        ],
        Headers = new Dictionary<string, string> { ["X-Customer-Ref"] = "4711" },
        Policy = new SecurityPolicy { Cipher = "aes256-gcm", Opaque = true, MissingCertificate = MissingCertificatePolicy.SignOnly, AllowSignOnly = true },
    };

    [Fact]
    public void A_mail_round_trips_field_for_field_with_unicode_empty_lists_an_empty_attachment_and_the_most_recipients_the_contract_allows()
    {
        var mail = Mail();

        var read = RoundTrip(mail);

        Assert.Equal(Json(mail), Json(read));
        Assert.Equal(999, read.Bcc.Count);
        Assert.Empty(read.Cc);
        Assert.Empty(read.Attachments[0].Content);
        Assert.Null(ProtectEmailValidator.Validate(read, Max));
    }

    [Fact]
    public void Absent_and_empty_bodies_stay_apart_and_a_mail_without_attachments_has_none()
    {
        var mail = Mail() with { TextBody = "", HtmlBody = null, Attachments = [] };

        var read = RoundTrip(mail);

        Assert.Equal("", read.TextBody);
        Assert.Null(read.HtmlBody);
        Assert.Empty(read.Attachments);
    }

    [Fact]
    public void The_payloads_travel_raw_not_in_base64()
    {
        var mail = Mail() with { Bcc = [] };
        var body = Write(mail);
        var json = JsonSerializer.SerializeToUtf8Bytes(mail);

        Assert.True(body.Length < json.Length * 0.8, $"binary {body.Length} bytes, JSON {json.Length} bytes");
        Assert.True(body.AsSpan().IndexOf(mail.Attachments[1].Content) >= 0, "the attachment is not in the body as it is");
    }

    public static TheoryData<string, byte[], string> Hostile()
    {
        var good = Manifest();
        return new()
        {
            { "shorter than the length prefix", [0, 0, 1], "ends before the 4-byte manifest length" },
            { "empty manifest", [0, 0, 0, 0], "declares an empty manifest" },
            { "manifest over its limit", [0, 0x20, 0, 0, .. Encoding.UTF8.GetBytes("{}")], "above the limit of 1048576" },
            { "manifest longer than the body", [0, 0, 0, 200, .. Encoding.UTF8.GetBytes(good)], "is truncated: it declares a manifest of 200 bytes" },
            { "manifest not UTF-8", Frame([.. "{\"from\":{\"address\":\"a@b.example\"},\"subject\":\""u8.ToArray(), 0xff, .. "\"}"u8.ToArray()]), "not valid UTF-8" },
            { "manifest not JSON", Frame("not json " + Secret), "not JSON of the contract's shape" },
            { "manifest JSON null", Frame("null"), "JSON null" },
            { "manifest an array", Frame("[1,2]"), "not JSON of the contract's shape" },
            { "negative length", Frame(Manifest(text: -1)), "declares a negative textBodyLength" },
            { "length beyond the body", Frame(Manifest(text: 10), "short"u8.ToArray()), "its textBodyLength is 10 bytes and only 5 remain" },
            { "length that would overflow", Frame(Manifest(text: long.MaxValue)), "its textBodyLength is 9223372036854775807 bytes and only 0 remain" },
            { "attachment beyond the body", Frame(Manifest(attachment: 4_000_000_000), "abc"u8.ToArray()), "its attachments[0].length is 4000000000 bytes" },
            { "trailing bytes", Frame(Manifest(text: 2), "hi!!"u8.ToArray()), "has 2 bytes after its last payload" },
            { "field twice", Frame("{\"from\":{\"address\":\"a@b.example\"},\"to\":[{\"address\":\"c@d.example\"}],\"subject\":\"a\",\"subject\":\"b\"}"), "gives a field twice in its manifest" },
            { "header twice", Frame("{\"from\":{\"address\":\"a@b.example\"},\"to\":[{\"address\":\"c@d.example\"}],\"headers\":{\"X-A\":\"1\",\"X-A\":\"2\"}}"), "gives a field twice in its manifest" },
            { "unknown field", Frame("{\"from\":{\"address\":\"a@b.example\"},\"to\":[],\"priority\":1}"), "version 1 does not define" },
            { "field in another case", Frame("{\"from\":{\"address\":\"a@b.example\"},\"Subject\":\"x\"}"), "version 1 does not define" },
            { "deep JSON", Frame("{\"from\":{\"address\":\"a@b.example\"},\"to\":[[[[[[[[[[]]]]]]]]]]}"), "the contract" },
            { "missing from", Frame("{\"to\":[{\"address\":\"c@d.example\"}]}"), "without a required field" },
            { "text body not UTF-8", Frame(Manifest(text: 2), [0xc3, 0x28]), "has a TextBody that is not valid UTF-8" },
            { "huge JSON", Frame("{\"subject\":\"" + new string('a', (1 << 20) + 10) + "\"}"), "above the limit of 1048576" },
        };
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_body_is_refused_naming_the_rule_and_never_its_content(string shape, byte[] body, string rule)
    {
        var ex = Assert.Throws<ProtectCommandFormatException>(() => Read(body));

        Assert.StartsWith("the binary ProtectEmail ", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains(rule, StringComparison.Ordinal), $"{shape}: \"{ex.Message}\" does not say \"{rule}\"");
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Depth_beyond_the_limit_is_refused_by_the_reader_whatever_the_field()
    {
        var ex = Assert.Throws<ProtectCommandFormatException>(() => Read(Frame("{\"from\":{\"address\":{\"a\":{\"b\":{\"c\":{}}}}}}")));

        Assert.Contains("manifest", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_above_the_size_limit_is_refused_as_too_large_before_it_is_read()
    {
        var body = new byte[Max + ProtectCommandBinaryFormat.MaxManifestBytes + 5];

        var ex = Assert.Throws<ProtectCommandTooLargeException>(() => Read(body));

        Assert.Contains("SmimePipeline:MaxMessageBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_serializer_and_the_reader_refuse_above_one_size_rule_and_the_serializer_before_copying()
    {
        var largest = ProtectCommandBinaryFormat.LargestBody(Max);
        var headers = new TableHeaders(new Dictionary<string, object?> { [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D") });
        var above = new CopyCountingMessageBody(largest + 1);

        Assert.Equal(Max + ProtectCommandBinaryFormat.MaxManifestBytes + ProtectCommandBinaryFormat.ManifestLengthBytes, largest);
        var fromSerializer = Assert.Throws<ProtectCommandTooLargeException>(() => new ProtectEmailBinarySerializer(Max).Deserialize(above, headers));
        var fromReader = Assert.Throws<ProtectCommandTooLargeException>(() => Read(new byte[largest + 1]));
        // At the limit the body is read: it is refused for its framing (an all-zero manifest length), not its size.
        Assert.Throws<ProtectCommandFormatException>(() => new ProtectEmailBinarySerializer(Max).Deserialize(new CopyCountingMessageBody(largest), headers));

        Assert.Equal(0, above.Copies);
        Assert.Equal(fromReader.Message, fromSerializer.Message);
        Assert.Equal($"the binary ProtectEmail is {largest + 1} bytes, above the limit of {Max} (SmimePipeline:MaxMessageBytes) plus the largest manifest", fromSerializer.Message);
    }

    [Fact]
    public void Content_above_the_limit_within_the_framing_is_refused_by_the_validator_as_for_json()
    {
        var mail = Mail() with { Attachments = [new MailAttachment("big.bin", "application/octet-stream", new byte[Max + 1])] };

        var read = RoundTrip(mail);

        var fromBinary = ProtectEmailValidator.Validate(read, Max);
        var fromJson = ProtectEmailValidator.Validate(JsonSerializer.Deserialize<ProtectEmail>(JsonSerializer.Serialize(mail)), Max);
        Assert.Equal(MailRefusal.MessageTooLarge, fromBinary?.ReasonCode);
        Assert.Equal(fromJson, fromBinary);
    }

    public static TheoryData<string> Invalid => new() { "bad-from", "null-to", "no-recipient", "null-attachment", "bad-header-name", "null-policy", "empty-id" };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void A_well_framed_mail_with_a_bad_field_is_refused_by_the_same_validator_for_the_same_reason_as_json(string fault)
    {
        var mail = fault switch
        {
            "bad-from" => Mail() with { From = new MailAddress("not an address") },
            "null-to" => Mail() with { To = null! },
            "no-recipient" => Mail() with { To = [], Bcc = [] },
            "null-attachment" => Mail() with { Attachments = [null!] },
            "bad-header-name" => Mail() with { Headers = new Dictionary<string, string> { ["X-Bad:Name"] = "1" } },
            "null-policy" => Mail() with { Policy = null! },
            _ => Mail() with { MailId = Guid.Empty },
        };

        var fromBinary = ProtectEmailValidator.Validate(RoundTrip(mail), Max);
        var fromJson = ProtectEmailValidator.Validate(JsonSerializer.Deserialize<ProtectEmail>(JsonSerializer.Serialize(mail)), Max);

        Assert.NotNull(fromBinary);
        Assert.Equal(fromJson, fromBinary);
    }

    public static TheoryData<string, object?, string> HeaderFaults => new()
    {
        { ProtectCommandBinaryFormat.MailIdHeader, null, "header smime-mail-id is missing" },
        { ProtectCommandBinaryFormat.MailIdHeader, 42, "header smime-mail-id is of type int32, not a string" },
        { ProtectCommandBinaryFormat.MailIdHeader, "not-a-guid " + Secret, "header smime-mail-id is not a GUID" },
        { "Smime-Mail-Id", MailId.ToString("D"), "header smime-mail-id is given twice (in two spellings)" },
    };

    [Theory]
    [MemberData(nameof(HeaderFaults))]
    public void A_missing_or_malformed_mail_id_header_is_refused_naming_it(string header, object? value, string rule)
    {
        var headers = new Dictionary<string, object?> { [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D") };
        headers[header] = value;

        var ex = Assert.Throws<ProtectCommandFormatException>(() => Deserialize(Write(Mail()), headers));

        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "without a version")]
    [InlineData("2", "names version '2'; this worker reads version 1")]
    [InlineData("1;<script>", "(unprintable)")]
    public void An_unknown_or_missing_version_is_refused(string? version, string rule)
    {
        var contentType = new ContentType(ProtectCommandBinaryFormat.ProtectEmailMediaType);
        if (version is not null)
        {
            contentType.Parameters["v"] = version;
        }

        var ex = Assert.Throws<ProtectCommandFormatException>(() => ProtectCommandHeaderReader.CheckVersion(contentType, nameof(ProtectEmail)));

        Assert.Contains(rule, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_reader_gives_the_worker_the_mail_id_of_an_unreadable_command_from_its_header()
    {
        var headers = new TableHeaders(new() { [ProtectCommandBinaryFormat.MailIdHeader] = MailId.ToString("D") });

        Assert.Equal(MailId, ProtectCommandBinaryFormat.MailIdOrEmpty(headers));
        Assert.Equal(Guid.Empty, ProtectCommandBinaryFormat.MailIdOrEmpty(new TableHeaders(new() { [ProtectCommandBinaryFormat.MailIdHeader] = 7 })));
    }

    internal static string Manifest(long? text = null, long? attachment = null) =>
        "{\"from\":{\"address\":\"a@b.example\"},\"to\":[{\"address\":\"c@d.example\"}]"
        + (text is { } t ? $",\"textBodyLength\":{t}" : "")
        + (attachment is { } a ? $",\"attachments\":[{{\"fileName\":\"a.bin\",\"contentType\":\"application/octet-stream\",\"length\":{a}}}]" : "")
        + "}";

    internal static byte[] Frame(string manifest, params byte[][] payloads) => Frame(Encoding.UTF8.GetBytes(manifest), payloads);

    internal static byte[] Frame(byte[] manifest, params byte[][] payloads)
    {
        var body = new byte[4 + manifest.Length + payloads.Sum(p => p.Length)];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)manifest.Length);
        manifest.CopyTo(body, 4);
        var at = 4 + manifest.Length;
        foreach (var payload in payloads)
        {
            payload.CopyTo(body, at);
            at += payload.Length;
        }

        return body;
    }

    private static ProtectEmail Read(byte[] body) =>
        ProtectEmailBinaryReader.Read(body, MailId, Max);

    private static byte[] Write(ProtectEmail mail) => ProtectEmailBinaryWriter.Write(mail);

    private static ProtectEmail RoundTrip(ProtectEmail mail) =>
        Deserialize(Write(mail), new() { [ProtectCommandBinaryFormat.MailIdHeader] = mail.MailId.ToString("D") });

    private static ProtectEmail Deserialize(byte[] body, Dictionary<string, object?> headers)
    {
        var context = new ProtectEmailBinarySerializer(Max).Deserialize(new BytesMessageBody(body), new TableHeaders(headers));
        Assert.True(context.TryGetMessage<ProtectEmail>(out var mail));
        return mail!;
    }

    private static string Json(ProtectEmail mail) => JsonSerializer.Serialize(mail);
}
