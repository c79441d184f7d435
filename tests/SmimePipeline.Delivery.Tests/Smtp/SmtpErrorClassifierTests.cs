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
    public void Connection_errors_are_transient_and_unknown_exceptions_stay_on_the_ladder_without_their_message()
    {
        Assert.Equal(DeliveryFailureKind.Transient, SmtpErrorClassifier.Classify(new System.Net.Sockets.SocketException(111), "smtp").Kind);
        Assert.Equal(DeliveryFailureKind.Transient, SmtpErrorClassifier.Classify(new TimeoutException(), "smtp").Kind);
        Assert.Equal(DeliveryFailureKind.Configuration, SmtpErrorClassifier.Classify(new MailKit.Security.AuthenticationException("535 bad credentials"), "smtp").Kind);

        var bug = SmtpErrorClassifier.Classify(new InvalidOperationException("a bug quoting Dear customer"), "smtp");
        Assert.Equal(DeliveryFailureKind.Transient, bug.Kind);
        Assert.Equal("smtp-unexpected-error", bug.ReasonCode);
        Assert.True(bug.MayHaveBeenAccepted);
        Assert.DoesNotContain("Dear customer", bug.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_before_the_mail_was_offered_cannot_have_been_accepted()
    {
        var refused = SmtpErrorClassifier.Classify(new System.Net.Sockets.SocketException(111), "smtp", mailMayHaveReachedServer: false);
        Assert.False(refused.MayHaveBeenAccepted);
        Assert.Equal("esp-unreachable", refused.ReasonCode);
        Assert.True(SmtpErrorClassifier.Classify(new IOException("reset"), "smtp").MayHaveBeenAccepted);
        Assert.False(SmtpErrorClassifier.Classify(new MailKit.Net.Smtp.SmtpCommandException(
            MailKit.Net.Smtp.SmtpErrorCode.MessageNotAccepted, MailKit.Net.Smtp.SmtpStatusCode.TransactionFailed, "rejected"), "smtp").MayHaveBeenAccepted);
    }
}
