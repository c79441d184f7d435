using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Dead-letters a <see cref="DeliverEmail"/> the sender refused before any ESP saw it (invalid field, foreign
/// claim address, oversize, not protected): to <c>smime-deliver-dead</c> with the reason in its headers, one
/// <see cref="EmailDeliveryFailed"/> event, one error log line and the <c>smime_dead_letters_total</c> metric, reported once
/// (<see cref="DeadLetterReport"/>).
/// </summary>
public sealed class DeliveryRefusals(
    IRetryLadder ladder, IMailTransport transport, MailEventPublisher events, SmimeTelemetry telemetry, TimeProvider time, ILogger<DeliveryRefusals> logger)
{
    /// <summary>Dead-letters the mail of <paramref name="context"/> for <paramref name="refusal"/>; completes once the broker confirmed it.</summary>
    public async Task DeadLetterAsync(ConsumeContext<DeliverEmail> context, MailRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var mailId = context.Message?.MailId ?? Guid.Empty;
        var now = time.GetUtcNow();
        var attempts = Math.Max(0, SenderMessageHeaders.ReadAttempts(context));
        var history = SenderMessageHeaders.AppendFailedAt(SenderMessageHeaders.ReadFailedAt(context), now);
        await ladder.DeadLetterAsync(context, new DeadLetter(refusal.ReasonCode, refusal.Reason, null, transport.Name, attempts, history));
        await DeadLetterReport.ReportAsync(
            context,
            new FailureReason(refusal.ReasonCode, refusal.Reason, IsPermanent: true),
            new EmailDeliveryFailed
            {
                MailId = mailId,
                Stage = FailureStage.Deliver,
                ReasonCode = refusal.ReasonCode,
                Reason = refusal.Reason,
                FailedAt = now,
            },
            events,
            telemetry,
            logger);
    }
}
