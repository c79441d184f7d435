using MassTransit;
using MassTransit.Context;
using MassTransit.Serialization;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The <see cref="DeliverEmail"/> a signer hands to the <see cref="DeliveryHandler"/> in its own process
/// (<see cref="InProcessDelivery"/>), seen as if it had been consumed from <c>smime-deliver</c>: the handler's publishes
/// (<see cref="EmailDelivered"/>, <see cref="EmailDeliveryFailed"/>), its sends to the retry ladder and the dead-letter
/// queue, its cancellation and its trace are those of the protect command's consume, whose acknowledgement waits for
/// them. The command's own headers are not the mail's: a producer's header never counts as a failed delivery attempt, so
/// this context has none. A copy sent to the ladder or the dead-letter queue travels in <see cref="Format"/>, the format
/// the signer would have sent it in. The attempt's failure has a <see cref="FailureReport"/> of its own (a payload of this
/// scope, found before the protect command's): marking the mail's failure reported does not mark the command's.
/// </summary>
internal sealed class InProcessDeliverContext : ConsumeContextScope, ConsumeContext<DeliverEmail>
{
    public InProcessDeliverContext(ConsumeContext context, DeliverEmail message, DeliverEmailFormat format, FailureReport report)
        : base(context, report)
    {
        Message = message;
        Format = format;
    }

    /// <inheritdoc />
    public DeliverEmail Message { get; }

    /// <summary>The format a copy of this mail sent to the ladder or the dead-letter queue travels in (<c>Signer:DeliverEmailFormat</c>).</summary>
    public DeliverEmailFormat Format { get; }

    /// <inheritdoc />
    public override Headers Headers => EmptyHeaders.Instance;

    /// <inheritdoc />
    public override IEnumerable<string> SupportedMessageTypes => [MessageUrn.ForTypeString<DeliverEmail>()];

    /// <inheritdoc />
    public override bool HasMessageType(Type messageType) => messageType == typeof(DeliverEmail);

    /// <inheritdoc />
    public override bool TryGetMessage<T>(out ConsumeContext<T> consumeContext)
    {
        if (this is ConsumeContext<T> self)
        {
            consumeContext = self;
            return true;
        }

        consumeContext = null!;
        return false;
    }

    /// <inheritdoc />
    public Task NotifyConsumed(TimeSpan duration, string consumerType) => NotifyConsumed(this, duration, consumerType);

    /// <inheritdoc />
    public Task NotifyFaulted(TimeSpan duration, string consumerType, Exception exception) => NotifyFaulted(this, duration, consumerType, exception);
}
