using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Takes a <see cref="DeliverEmail"/> off <c>smime-deliver</c>, refuses what no ESP may see (invalid fields, a
/// content address that is not a claim the pipeline minted, oversize, not protected as declared) and hands the rest
/// to the <see cref="DeliveryHandler"/> (ledger, ESP call, retry ladder, dead-lettering, circuit breaker). A claim
/// is deleted once its mail is delivered, or refused for its bytes (not protected, too large); claims of mail the ESP
/// dead-lettered stay for <c>ClaimCheck:Retention</c> so that <c>smime dlq requeue</c> can still deliver them.
/// </summary>
public sealed class DeliverEmailConsumer(
    DeliveryHandler handler,
    DeliveryContentStore claimCheck,
    DeliveryRefusals refusals,
    IDeliveryLedger ledger,
    IOptions<SmimePipelineOptions> options) : IConsumer<DeliverEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<DeliverEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mail = context.Message;
        var max = options.Value.MaxMessageBytes;
        var refusal = ContractRules.Size(context.ReceiveContext.Body.Length ?? 0, max + (max / 2), "The DeliverEmail message")
            ?? DeliverEmailValidator.Validate(mail, max);
        byte[]? content = null;
        if (refusal is null)
        {
            try
            {
                // Large mail travels by claim check: only a claim this pipeline minted is ever opened.
                content = await claimCheck.LoadAsync(mail, context.CancellationToken);
                refusal = ProtectedMailGuard.Check(content, mail.Protection);
            }
            catch (MailRefusedException refused)
            {
                refusal = refused.Refusal;
            }
        }

        if (refusal is not null)
        {
            await refusals.DeadLetterAsync(context, refusal);
            // A claim whose bytes can never be delivered goes with its mail. After other refusals (a field, a foreign
            // address) the claim may belong to another, genuine mail: the sweeper removes it if nobody delivers it.
            if (refusal.ReasonCode is MailRefusal.NotProtected or MailRefusal.MessageTooLarge)
            {
                claimCheck.Release(mail);
            }

            return;
        }

        await handler.DeliverAsync(context, content!);
        if (mail.ContentAddress is not null
            && await ledger.FindAsync(mail.MailId, context.CancellationToken) is { State: DeliveryLedgerState.Accepted })
        {
            claimCheck.Release(mail);
        }
    }
}
