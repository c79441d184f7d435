using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The report of a mail the sender has put into <c>smime-deliver-dead</c> (the broker confirmed the copy): the message's
/// <see cref="FailureReport"/> is marked first, then the metric and one log line, then <see cref="EmailDeliveryFailed"/>.
/// When that publish fails, the mail is where it belongs already, so nothing routes it again: a retry from
/// <c>smime-deliver</c> only publishes the event again (<see cref="PublishAgainAsync"/>), the endpoint's filter acknowledges
/// the message after the last one (log line 1018), and the signer's in-process attempt does not hand it to the queue. The event
/// goes past the consume context, bounded, on the bus's channel (<see cref="MailEventPublisher"/>): through <c>context.Publish</c>
/// a failed publish would fail the whole receive into the endpoint's <c>_error</c> queue (a second dead-letter entry) however
/// it was handled, and on the consume's channel a refusal that closes it (<c>ACCESS_REFUSED</c>) brought the message back, to
/// the ESP and <c>smime-deliver-dead</c> again at each delivery until <c>RabbitMq:DeliveryLimit</c> (session 19).
/// </summary>
internal static class DeadLetterReport
{
    /// <summary>Reports the mail of <paramref name="context"/>, dead-lettered for <paramref name="reason"/>, with <paramref name="failed"/> as its event.</summary>
    public static async Task ReportAsync(
        ConsumeContext<DeliverEmail> context, FailureReason reason, EmailDeliveryFailed failed, MailEventPublisher events, SmimeTelemetry telemetry, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (FailureReport.TryMarkDeadLettered(context, reason, failed))
        {
            telemetry.RecordDeadLetter(UnreportedFailureFilter.Deliver, reason.ReasonCode);
            Log.MailDeadLettered(logger, failed.MailId, UnreportedFailureFilter.Deliver, reason.ReasonCode, reason.Reason);
        }

        await events.PublishAsync(context, failed);
    }

    /// <summary>
    /// On a retry of a mail an earlier try of the same delivery put into <c>smime-deliver-dead</c> and then failed to
    /// publish its event: publishes the event again and returns true (the mail is done). False for every other message.
    /// </summary>
    public static async Task<bool> PublishAgainAsync(ConsumeContext<DeliverEmail> context, MailEventPublisher events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (FailureReport.DeadLetterEventOf(context) is not { } failed)
        {
            return false;
        }

        await events.PublishAsync(context, failed);
        return true;
    }
}
