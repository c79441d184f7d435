using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Takes a <see cref="DeliverEmail"/> off <c>smime-deliver</c> and hands it to the
/// <see cref="DeliveryHandler"/> (ledger, ESP call, retry ladder, dead-lettering, circuit breaker).
/// </summary>
public sealed class DeliverEmailConsumer(DeliveryHandler handler) : IConsumer<DeliverEmail>
{
    /// <inheritdoc />
    public async Task Consume(ConsumeContext<DeliverEmail> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var content = context.Message.Content;
        await handler.DeliverAsync(context, content);
    }
}
