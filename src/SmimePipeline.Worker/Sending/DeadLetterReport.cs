using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The report of a mail the sender has put into <c>smime-deliver-dead</c> (the broker confirmed the copy): the message's
/// <see cref="FailureReport"/> is marked first, then the metric and one log line, then <see cref="EmailDeliveryFailed"/>.
/// When that publish fails, the mail is where it belongs already, so nothing routes it again: a retry from
/// <c>smime-deliver</c> only publishes the event again (<see cref="PublishAgainAsync"/>), the endpoint's filter acknowledges
/// the message after the last one (log line 1018), and the signer's in-process attempt does not hand it to the queue.
/// </summary>
internal static class DeadLetterReport
{
    /// <summary>Reports the mail of <paramref name="context"/>, dead-lettered for <paramref name="reason"/>, with <paramref name="failed"/> as its event.</summary>
    public static async Task ReportAsync(
        ConsumeContext<DeliverEmail> context, FailureReason reason, EmailDeliveryFailed failed, SmimeTelemetry telemetry, ILogger logger)
    {
        if (FailureReport.TryMarkDeadLettered(context, reason, failed))
        {
            telemetry.RecordDeadLetter(UnreportedFailureFilter.Deliver, reason.ReasonCode);
            Log.MailDeadLettered(logger, failed.MailId, UnreportedFailureFilter.Deliver, reason.ReasonCode, reason.Reason);
        }

        await PublishAsync(context, failed);
    }

    /// <summary>
    /// On a retry of a mail an earlier try of the same delivery put into <c>smime-deliver-dead</c> and then failed to
    /// publish its event: publishes the event again and returns true (the mail is done). False for every other message.
    /// </summary>
    public static async Task<bool> PublishAgainAsync(ConsumeContext<DeliverEmail> context)
    {
        if (FailureReport.DeadLetterEventOf(context) is not { } failed)
        {
            return false;
        }

        await PublishAsync(context, failed);
        return true;
    }

    /// <summary>
    /// Publishes <paramref name="failed"/> past the consume context: <c>context.Publish</c> would also register the publish
    /// as one of the consume's tasks, which MassTransit awaits again after the consumer returned, so that a failed publish
    /// fails the whole receive (the message then lands in the endpoint's <c>_error</c> queue, a second dead-letter entry)
    /// however the consumer handled it. The conversation stays the message's; the trace is the current activity's.
    /// </summary>
    private static async Task PublishAsync(ConsumeContext context, EmailDeliveryFailed failed)
    {
        var endpoint = await context.ReceiveContext.PublishEndpointProvider.GetPublishSendEndpoint<EmailDeliveryFailed>();
        await endpoint.Send(
            failed,
            send =>
            {
                send.ConversationId = context.ConversationId;
                send.InitiatorId = context.MessageId;
            },
            context.CancellationToken);
    }
}
