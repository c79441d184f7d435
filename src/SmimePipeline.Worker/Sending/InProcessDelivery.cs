using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The first delivery attempt of a freshly protected mail, made by the signer in its own process when that process runs
/// the sender role too (<see cref="SignerOptions.DeliverInProcess"/>, issue 17, session 12): the <c>DeliverEmail</c> hop
/// through <c>smime-deliver</c> (a confirmed send of ≈ 75 KB to a quorum queue, a delivery, an ack) is skipped when it
/// can be. The attempt is the sender's own: the same validation as <see cref="DeliverEmailConsumer"/>, one of the
/// sender's delivery places (<see cref="DeliverySlots"/>), and the <see cref="DeliveryHandler"/> with its ledger, circuit
/// breaker, transport, events, telemetry, retry ladder and dead-letter queue. It is made only when all of this holds at
/// that moment; otherwise the caller sends <c>DeliverEmail</c> as it always did:
/// <list type="bullet">
/// <item>the mail travels inline (up to <c>ClaimCheck:ThresholdBytes</c>): large mail keeps the queue and its places;</item>
/// <item>the ESP's circuit breaker is closed;</item>
/// <item>a delivery place is free now, with no small mail from the queue waiting for one (no waiting: the protect
/// command would hold its place in the signer's window meanwhile);</item>
/// <item>the mail passes <see cref="DeliverEmailValidator"/> and <see cref="ProtectedMailGuard"/> (a refusal is the
/// consumer's to report, with its reason, from the queue).</item>
/// </list>
/// A failure of the attempt ends where a first attempt from the queue ends: the handler routes ESP failures onto the ladder
/// or into <c>smime-deliver-dead</c> (confirmed by the broker before this returns), with the same reason codes, events,
/// log lines and metrics. Anything the handler throws instead (the ledger unreachable, the broker refusing an event)
/// hands the mail to <c>smime-deliver</c>: the ledger keeps that copy from being sent twice.
/// </summary>
public sealed class InProcessDelivery(
    DeliveryHandler handler,
    DeliverySlots places,
    EspCircuitBreaker breaker,
    IOptions<SmimePipelineOptions> options,
    SmimeTelemetry telemetry,
    ILogger<InProcessDelivery> logger)
{
    /// <summary>Makes the first delivery attempt of <paramref name="mail"/> in this process when it can.</summary>
    /// <param name="context">The consume context of the protect command (or of its claim); acknowledged after this returns.</param>
    /// <param name="mail">The mail as the signer would send it to <c>smime-deliver</c>, content inline.</param>
    /// <returns>
    /// True when the attempt was made and the mail is accounted for: accepted by the ESP (now or before, as the ledger
    /// records it), or on the retry ladder or in the dead-letter queue with the broker's confirm. False when the mail must
    /// go to <c>smime-deliver</c>: the attempt could not be made, or it threw.
    /// </returns>
    /// <exception cref="OperationCanceledException">The consume was cancelled (a broker blink, the host stopping): the protect command comes back.</exception>
    public async Task<bool> TryDeliverAsync(ConsumeContext context, DeliverEmail mail)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(mail);
        var settings = options.Value;
        if (mail.ContentAddress is not null || mail.Content.Length > settings.ClaimCheck.ThresholdBytes)
        {
            return Declined("large");
        }

        if (breaker.IsOpen)
        {
            return Declined("breaker-open");
        }

        if ((DeliverEmailValidator.Validate(mail, settings.MaxMessageBytes) ?? ProtectedMailGuard.Check(mail.Content, mail.Protection)) is not null)
        {
            return Declined("refused");
        }

        using var place = places.TryEnter(large: false);
        if (place is null)
        {
            return Declined("no-place");
        }

        telemetry.RecordInProcessDelivery(SmimeTelemetry.InProcessAttempted);
        try
        {
            // Accepted, or routed to the ladder or the dead-letter queue: either way the handler has finished with the mail.
            await handler.DeliverAsync(new InProcessDeliverContext(context, mail, settings.Signer.DeliverEmailFormat), mail.Content);
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException && !context.CancellationToken.IsCancellationRequested)
        {
            // What MassTransit's retries would have seen on the queue (the handler throws it for them): the queue's copy gets
            // them. The ledger has recorded whatever the ESP answered, so that copy is never sent twice.
            SenderLog.InProcessAttemptHandedToQueue(logger, mail.MailId, e.GetType().Name);
            telemetry.RecordInProcessDelivery("failed");
            return false;
        }
    }

    private bool Declined(string why)
    {
        telemetry.RecordInProcessDelivery(why);
        return false;
    }
}
