using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Takes a <see cref="DeliverEmail"/> off <c>smime-deliver</c>, refuses what no ESP may see (invalid fields, a
/// content address that is not a claim the pipeline minted, oversize, not protected as declared) and hands the rest
/// to the <see cref="DeliveryHandler"/> (ledger, ESP call, retry ladder, dead-lettering, circuit breaker). A claim
/// is deleted once its mail is delivered, or refused for its bytes (not protected, too large); claims of mail the ESP
/// dead-lettered stay for <c>ClaimCheck:Retention</c> so that <c>smime dlq requeue</c> can still deliver them.
/// The delivery itself holds one of the sender's places (<see cref="DeliverySlots"/>): small mails first, mails that came
/// by claim check in at most <c>Sender:LargeMailPlaces</c> of them.
/// </summary>
public sealed class DeliverEmailConsumer(
    DeliveryHandler handler,
    DeliverySlots places,
    DeliveryContentStore claimCheck,
    DeliveryRefusals refusals,
    MailEventPublisher events,
    IDeliveryLedger ledger,
    IOptions<SmimePipelineOptions> options,
    ILogger<DeliverEmailConsumer> logger) : IConsumer<DeliverEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<DeliverEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await DeadLetterReport.PublishAgainAsync(context, events))
        {
            // A retry after this mail went into smime-deliver-dead and only its event's publish failed.
            return;
        }

        var mail = context.Message;
        var max = options.Value.MaxMessageBytes;
        var invalid = ContractRules.Size(context.ReceiveContext.Body.Length ?? 0, max + (max / 2), "The DeliverEmail message")
            ?? DeliverEmailValidator.Validate(mail, max)
            ?? SenderMessageHeaders.ValidateAttempts(context);
        if (invalid is not null)
        {
            // A message whose fields cannot be trusted never reaches the handler (or the ledger).
            await refusals.DeadLetterAsync(context, invalid);
            return;
        }

        // A cancelled wait (the bus stopping) holds no place and throws OperationCanceledException: the message goes back to
        // the queue, as when the consume itself is cancelled. The claim's release reads the ledger inside the place too, so
        // that the sender's ledger statements in flight stay within its places (the ledger's derived pool bound,
        // PostgresPoolDefaults.DeliveryLedgerMaxConnections).
        using (await places.EnterAsync(large: mail.ContentAddress is not null, context.CancellationToken))
        {
            bool accepted = await DeliverAsync(context, mail);

            // The claim goes once the mail is accepted. When the handler saw the acceptance (it wrote it, or its ledger
            // claim read it) the ledger is not read again: an acceptance is final, so the read could only say the same.
            // When it did not (this attempt was routed to the ladder or the DLQ), the read is kept, because the handler's
            // claim is then NOT the same answer: another copy of this mail, redelivered after a broker blink or handed
            // back by `dlq requeue`, may have been accepted by another sender after this attempt's claim, and this
            // consumer releases the claim then.
            if (mail.ContentAddress is not null)
            {
                await ReleaseClaimIfAcceptedAsync(mail, accepted, context.CancellationToken);
            }
        }
    }

    // Large mail travels by claim check: only a claim this pipeline minted is ever opened, and only mail protected
    // as declared leaves. A refusal there (MailRefusedException, permanent) and every other failure of loading
    // are routed by the handler like any failure: dead-lettered with their reason, or retried.
    private Task<bool> DeliverAsync(ConsumeContext<DeliverEmail> context, DeliverEmail mail) =>
        handler.DeliverAsync(context, async cancellationToken =>
        {
            try
            {
                var content = await claimCheck.LoadAsync(mail, cancellationToken);
                return ProtectedMailGuard.Check(content, mail.Protection) is { } notProtected
                    ? throw new MailRefusedException(notProtected)
                    : content;
            }
            catch (MailRefusedException refused) when (refused.ReasonCode is MailRefusal.NotProtected or MailRefusal.MessageTooLarge)
            {
                // A claim whose bytes can never be delivered goes with its mail. After other refusals (a foreign address)
                // the claim may belong to another, genuine mail: the sweeper removes it if nobody delivers it.
                claimCheck.Release(mail);
                throw;
            }
        });

    // The mail has been handed over, or routed to the ladder or the dead-letter queue, by now: a ledger that cannot be read
    // or a claim that cannot be deleted must not fail it again (a retry would put a second copy on its way, and a mail the
    // ESP accepted would be reported failed). The claim then stays until the sweeper's retention.
    private async Task ReleaseClaimIfAcceptedAsync(DeliverEmail mail, bool accepted, CancellationToken cancellationToken)
    {
        try
        {
            if (accepted || await ledger.FindAsync(mail.MailId, cancellationToken) is { State: DeliveryLedgerState.Accepted })
            {
                claimCheck.Release(mail);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            SenderLog.ClaimNotReleased(logger, mail.MailId, e.GetType().Name);
        }
    }
}
