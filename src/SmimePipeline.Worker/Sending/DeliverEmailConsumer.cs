using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.ClaimCheck;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Takes a <see cref="DeliverEmail"/> off <c>smime-deliver</c> and hands it to the
/// <see cref="DeliveryHandler"/> (ledger, ESP call, retry ladder, dead-lettering, circuit breaker).
/// </summary>
public sealed class DeliverEmailConsumer(DeliveryHandler handler, DeliveryContentStore claimCheck) : IConsumer<DeliverEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<DeliverEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Large mail travels by claim check: load the bytes the signer checked in (a failure there is routed like any other).
        await handler.DeliverAsync(context, async cancellationToken => await claimCheck.LoadAsync(context.Message, cancellationToken));
    }
}
