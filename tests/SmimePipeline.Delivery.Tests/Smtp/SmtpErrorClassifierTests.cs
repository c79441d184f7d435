using SmimePipeline.Delivery.Smtp;

namespace SmimePipeline.Delivery.Tests.Smtp;

public sealed class SmtpErrorClassifierTests
{
    [Theory]
    [InlineData(421, DeliveryFailureKind.Transient)]
    [InlineData(450, DeliveryFailureKind.Transient)]
    [InlineData(452, DeliveryFailureKind.Transient)]
    [InlineData(500, DeliveryFailureKind.Permanent)]
    [InlineData(550, DeliveryFailureKind.Permanent)]
    [InlineData(554, DeliveryFailureKind.Permanent)]
    [InlineData(530, DeliveryFailureKind.Configuration)]
    [InlineData(535, DeliveryFailureKind.Configuration)]
    public void Reply_codes_map_to_failure_kinds(int code, DeliveryFailureKind expected)
        => Assert.Equal(expected, SmtpErrorClassifier.ClassifyReplyCode(code));

    [Fact]
    public void Connection_errors_are_transient_and_programming_errors_are_not_delivery_failures()
    {
        Assert.Equal(DeliveryFailureKind.Transient, SmtpErrorClassifier.Classify(new System.Net.Sockets.SocketException(111), "smtp")?.Kind);
        Assert.Equal(DeliveryFailureKind.Transient, SmtpErrorClassifier.Classify(new TimeoutException(), "smtp")?.Kind);
        Assert.Equal(DeliveryFailureKind.Configuration, SmtpErrorClassifier.Classify(new MailKit.Security.AuthenticationException("535 bad credentials"), "smtp")?.Kind);
        Assert.Null(SmtpErrorClassifier.Classify(new InvalidOperationException("a bug"), "smtp"));
    }
}
