using System.Globalization;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The report of a mail the ESP accepted (the ledger says so) whose <see cref="EmailDelivered"/> the broker would not take
/// through all its tries (write permission withheld on the event's exchange, a nack, no confirm within
/// <c>RabbitMq:SendTimeout</c>). The mail is delivered: only its event is missing. So it is reported as such — reason code
/// <see cref="ReasonCode"/>, one error line that says it was delivered (2123, never "dead-lettered"), the metric
/// <c>smime_dead_letters_total{stage="deliver",reason="delivered-event-refused"}</c> — and no <see cref="EmailDeliveryFailed"/>:
/// a user reading a failure would send the mail again and the recipient would get it twice. The message goes to
/// <c>smime-deliver_error</c> (<see cref="MailDeadLetteredException"/>, <c>MT-Fault-Message</c> <c>delivered-event-refused:
/// Delivered …</c>), where <c>smime dlq requeue</c> gives it back once the broker takes the event: the ledger's record makes
/// the sender publish <see cref="EmailDelivered"/> without calling the ESP. Reported by the sender on the last of its short
/// retries when the consume's channel survives the refusal, and by the work queue's filter at <c>RabbitMq:DeliveryLimit</c>
/// when the refusal closes the channel and the message keeps coming back (session 15; before, both reported the mail failed).
/// </summary>
public static partial class DeliveredEventRefused
{
    /// <summary>The reason code of a delivered mail whose event the broker would not take.</summary>
    public const string ReasonCode = "delivered-event-refused";

    /// <summary>The reason for the mail <paramref name="accepted"/> records as accepted; <paramref name="why"/> says what the broker did.</summary>
    public static FailureReason Reason(DeliveryLedgerEntry accepted, string why)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        return new FailureReason(
            ReasonCode,
            string.Create(
                CultureInfo.InvariantCulture,
                $"Delivered: {accepted.Provider} accepted the mail (id {accepted.ProviderMessageId ?? "unknown"}, recorded {accepted.UpdatedAt:O}). Only its EmailDelivered event is missing: {why} Do not send it again; once the broker takes the event, smime dlq requeue publishes it without calling the ESP."),
            IsPermanent: true);
    }

    /// <summary>
    /// Reports the delivered mail of <paramref name="context"/> once (marks its <see cref="FailureReport"/>, counts, writes the
    /// line) and returns the exception that moves the message to the endpoint's <c>_error</c> queue without a retry.
    /// </summary>
    public static MailDeadLetteredException Report(ConsumeContext context, Guid mailId, string stage, FailureReason reason, SmimeTelemetry telemetry, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(reason);
        ArgumentNullException.ThrowIfNull(telemetry);
        if (FailureReport.TryMark(context, reason))
        {
            telemetry.RecordDeadLetter(stage, reason.ReasonCode);
            DeliveredButEventRefused(logger, mailId, stage, reason.ReasonCode, reason.Reason);
        }

        return new MailDeadLetteredException(reason);
    }

    [LoggerMessage(EventId = 2123, Level = LogLevel.Error, Message = "Mail {MailId} was delivered, but RabbitMQ did not take its EmailDelivered event; kept in the error queue at {Stage}: {ReasonCode}: {Reason}")]
    private static partial void DeliveredButEventRefused(ILogger logger, Guid mailId, string stage, string reasonCode, string reason);
}
