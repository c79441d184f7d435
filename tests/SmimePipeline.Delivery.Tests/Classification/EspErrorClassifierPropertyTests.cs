using System.Text;
using CsCheck;
using MailKit;
using MailKit.Net.Smtp;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Delivery.SparkPost;

namespace SmimePipeline.Delivery.Tests.Classification;

/// <summary>
/// The ESP classifiers are total: random statuses and bodies (garbage bytes, truncated or deep JSON, SparkPost's
/// shape with wrong types, huge bodies), random reply codes and exceptions always give a class, never an exception.
/// </summary>
public sealed class EspErrorClassifierPropertyTests
{
    private const string Content = "Dear customer, your balance is 1234.56";

    // JSON values of every type, including numbers no int holds and text with control characters.
    private static readonly Gen<string> JsonValue = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Const("1e400"), Gen.Const("-0"), Gen.Const("2147483648"), Gen.Const("1.5"), Gen.Const("null"), Gen.Const("true"),
        Gen.Const("\"1902\""), Gen.Const("\"19x\""), Gen.Const("{}"), Gen.Const("[]"), Gen.Const("[1,2]"),
        Gen.Const("{\"message\":{\"nested\":5}}"), Gen.Const("\"line\\nbreak\\u0007bell\""),
        Gen.Char.Array[0, 40].Select(chars => System.Text.Json.JsonSerializer.Serialize(new string(chars))));

    private static readonly Gen<string> ErrorObject = Gen.Select(JsonValue, JsonValue, JsonValue, Gen.Int[0, 7], (message, code, description, shape) => shape switch
    {
        0 => $"{{\"message\":{message}}}",
        1 => $"{{\"message\":{message},\"code\":{code}}}",
        2 => $"{{\"message\":{message},\"description\":{description},\"code\":{code}}}",
        3 => $"{{\"code\":{code}}}",
        4 => message,
        5 => $"{{\"description\":{description}}}",
        6 => $"{{\"message\":{message},\"code\":{code},\"code\":{description}}}",
        _ => "{}",
    });

    internal static readonly Gen<byte[]> Body = Gen.OneOf(
        Gen.Byte.Array[0, 600],
        ErrorObject.Array[0, 3].Select(errors => Encoding.UTF8.GetBytes($"{{\"errors\":[{string.Join(',', errors)}]}}")),
        Gen.Select(ErrorObject, Gen.Int[0, 200], (error, cut) =>
        {
            var whole = Encoding.UTF8.GetBytes($"{{\"errors\":[{error}]}}");
            return whole[..Math.Min(cut, whole.Length)];
        }),
        JsonValue.Select(v => Encoding.UTF8.GetBytes($"{{\"errors\":{v}}}")),
        JsonValue.Select(v => Encoding.UTF8.GetBytes($"{{\"results\":{{\"id\":{v},\"total_accepted_recipients\":{v}}}}}")),
        Gen.Int[1, 5000].Select(depth => Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth))),
        Gen.Const(Encoding.UTF8.GetBytes("<html><body>502 Bad Gateway</body></html>")));

    private static readonly Gen<int> Status = Gen.OneOf(Gen.Int[100, 599], Gen.Int, Gen.Int[400, 429]);

    [Fact]
    public void Every_SparkPost_status_and_body_gets_a_class_and_a_short_one_line_text()
        => Gen.Select(Status, Body).Sample((status, body) =>
        {
            var failure = SparkPostErrorClassifier.ClassifyAnswer(status, body);
            Assert.True(Enum.IsDefined(failure.Kind), $"kind {failure.Kind}");
            Assert.False(string.IsNullOrWhiteSpace(failure.ReasonCode));
            Assert.InRange(failure.Text.Length, 0, SparkPostErrorClassifier.MaxAnswerTextLength);
            Assert.DoesNotContain(failure.Text, char.IsControl);
            Assert.Equal(SparkPostErrorClassifier.Classify(status, failure.ErrorCode), failure.Kind);
            Assert.NotEmpty(SparkPostErrorClassifier.Describe(status, failure));
        }, iter: 20_000, threads: 1);

    [Fact]
    public void Every_success_body_is_either_a_receipt_or_unreadable_never_an_exception()
        => Gen.Select(Body, Gen.Int[1, 50]).Sample((body, recipients) =>
        {
            if (SparkPostReceiptReader.TryRead(body, recipients, out var id, out var accepted, out var rejected))
            {
                Assert.False(string.IsNullOrEmpty(id));
                Assert.True(accepted >= 0 && rejected >= 0);
            }
        }, iter: 20_000, threads: 1);

    [Fact]
    public void Huge_and_deep_bodies_are_classified_by_status()
    {
        var huge = Encoding.UTF8.GetBytes("{\"errors\":[{\"message\":\"" + new string('x', 5_000_000) + "\",\"code\":1902}]}");
        var big = SparkPostErrorClassifier.ClassifyAnswer(400, huge);
        Assert.Equal(DeliveryFailureKind.Permanent, big.Kind);
        Assert.Equal(1902, big.ErrorCode);
        Assert.Equal(SparkPostErrorClassifier.MaxAnswerTextLength, big.Text.Length);

        var deep = Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000));
        Assert.Equal(DeliveryFailureKind.Transient, SparkPostErrorClassifier.ClassifyAnswer(503, deep).Kind);
        Assert.False(SparkPostReceiptReader.TryRead(deep, 1, out _, out _, out _));
    }

    [Theory]
    [InlineData("{\"errors\":[{\"message\":5}]}", 400, DeliveryFailureKind.Permanent, null, "5")]
    [InlineData("{\"errors\":[{\"message\":\"Too many\",\"code\":\"1502\"}]}", 400, DeliveryFailureKind.Transient, 1502, "Too many")]
    [InlineData("{\"errors\":[{\"code\":99999999999}]}", 422, DeliveryFailureKind.Permanent, null, "")]
    [InlineData("{\"errors\":\"down\"}", 503, DeliveryFailureKind.Transient, null, "{\"errors\":\"down\"}")]
    [InlineData("not json", 404, DeliveryFailureKind.Configuration, null, "not json")]
    [InlineData("", 302, DeliveryFailureKind.Configuration, null, "")]
    [InlineData("{\"errors\":[{\"message\":\"x\",\"code\":2101}]}", 400, DeliveryFailureKind.Quota, 2101, "x")]
    public void Answers_of_unexpected_shape_are_classified_by_what_can_be_read(string body, int status, DeliveryFailureKind kind, int? code, string text)
    {
        var failure = SparkPostErrorClassifier.ClassifyAnswer(status, Encoding.UTF8.GetBytes(body));
        Assert.Equal((kind, code, text), (failure.Kind, failure.ErrorCode, failure.Text));
    }

    [Fact]
    public void Every_SMTP_reply_code_gets_a_class()
        => Gen.Int.Sample(code =>
        {
            var kind = SmtpErrorClassifier.ClassifyReplyCode(code);
            Assert.True(Enum.IsDefined(kind));
            Assert.Equal(code is >= 500 and < 600, kind != DeliveryFailureKind.Transient);
        }, iter: 20_000, threads: 1);

    [Fact]
    public void Every_exception_from_an_SMTP_session_gets_a_class_and_unknown_ones_never_carry_their_message()
    {
        var exceptions = Gen.Select(Gen.Int[0, 12], Gen.Int[0, 999], Gen.Bool, (which, code, offered) => (which, code, offered)).Select(t =>
        {
            Exception e = t.which switch
            {
                0 => new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, (SmtpStatusCode)t.code, Content),
                1 => new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, (SmtpStatusCode)t.code, new MimeKit.MailboxAddress("", "a@b.example"), Content),
                2 => new SmtpProtocolException(Content),
                3 => new ServiceNotConnectedException(Content),
                4 => new System.Net.Sockets.SocketException(t.code),
                5 => new TimeoutException(Content),
                6 => new IOException(Content),
                7 => new MailKit.Security.AuthenticationException(Content),
                8 => new System.Security.Authentication.AuthenticationException(Content),
                9 => new NotSupportedException(Content),
                10 => new OperationCanceledException(Content),
                11 => new InvalidOperationException(Content),
                _ => new KeyNotFoundException(Content),
            };
            return (e, t.offered);
        });
        exceptions.Sample(t =>
        {
            var failure = SmtpErrorClassifier.Classify(t.e, "smtp", t.offered);
            Assert.True(Enum.IsDefined(failure.Kind));
            Assert.False(string.IsNullOrWhiteSpace(failure.EffectiveReasonCode));
            if (t.e.GetType() == typeof(InvalidOperationException) || t.e.GetType() == typeof(KeyNotFoundException))
            {
                Assert.DoesNotContain(Content, failure.Message, StringComparison.Ordinal);
                Assert.Equal(t.offered, failure.MayHaveBeenAccepted);
            }

            Assert.True(failure.ProviderResponse is null || failure.ProviderResponse.Length <= SmtpErrorClassifier.MaxReplyTextLength + 12);
        }, iter: 5_000, threads: 1);
    }
}
