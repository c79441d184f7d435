using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Refuses a message on <c>smime-protect</c> or <c>smime-harvest</c> that the signer will not work on (a broken field,
/// oversize, a protected result above the limit): one <see cref="EmailDeliveryFailed"/> event, one error log line and the
/// <c>smime_dead_letters_total</c> metric, then an exception that the consumer definitions never retry
/// (<see cref="MailDeadLetteredException"/> for mail, <see cref="MailRefusedException"/> for a harvest request), so
/// MassTransit moves the message to the queue's <c>_error</c> queue with the reason in its fault headers. When the broker
/// refuses the event (line 1018 by the endpoint's filter), the message still ends there, once (session 19).
/// </summary>
public sealed class SignerRefusals(MailEventPublisher events, SmimeTelemetry telemetry, TimeProvider time, ILogger<SignerRefusals> logger)
{
    /// <summary>Publishes the failure of mail <paramref name="mailId"/> and throws; never returns normally.</summary>
    /// <exception cref="MailDeadLetteredException">Always, carrying <paramref name="refusal"/>'s code and reason.</exception>
    public async Task RefuseAsync(ConsumeContext context, Guid mailId, MailRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var reason = new FailureReason(refusal.ReasonCode, refusal.Reason, IsPermanent: true);
        // Marked before the publish: if it fails, the endpoint's filter does not report the failure a second time.
        if (FailureReport.TryMark(context, reason))
        {
            telemetry.RecordDeadLetter("protect", refusal.ReasonCode);
            Log.MailDeadLettered(logger, mailId, "protect", refusal.ReasonCode, refusal.Reason);
        }

        // On the bus's channel: a refusal that closes it must not take the command's delivery along (MailEventPublisher).
        await events.PublishAsync(
            context,
            new EmailDeliveryFailed
            {
                MailId = mailId,
                Stage = FailureStage.Protect,
                ReasonCode = refusal.ReasonCode,
                Reason = refusal.Reason,
                FailedAt = time.GetUtcNow(),
            });
        // Reported above; MailDeadLetteredException carries "code: reason" into the error queue's fault headers for smime dlq.
        throw new MailDeadLetteredException(reason);
    }

    /// <summary>Logs and counts a refused harvest request and throws (no mail, so no event).</summary>
    /// <exception cref="MailRefusedException">Always, carrying <paramref name="refusal"/>.</exception>
    public void RefuseHarvest(Guid requestId, MailRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        telemetry.RecordDeadLetter("harvest", refusal.ReasonCode);
        Log.HarvestRefused(logger, requestId, refusal.ReasonCode, refusal.Reason);
        throw new MailRefusedException(refusal);
    }

    /// <summary>The size of the received message body, in bytes (0 when the transport does not say).</summary>
    public static long BodyLength(ConsumeContext context) => context?.ReceiveContext.Body.Length ?? 0;
}
