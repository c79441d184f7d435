using MassTransit;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// What <see cref="BoundedBrokerSend"/> does to each send context: the conversation and initiator of the consumed message,
/// then the caller's own settings if any. One object per send, where a lambda over the consume context cost a closure, a
/// delegate and MassTransit's pipe around the delegate.
/// </summary>
internal sealed class InitiatedSendPipe<T>(ConsumeContext initiator, Action<SendContext<T>>? configure = null) : IPipe<SendContext<T>>
    where T : class
{
    /// <inheritdoc />
    public Task Send(SendContext<T> context)
    {
        context.ConversationId = initiator.ConversationId;
        context.InitiatorId = initiator.MessageId;
        configure?.Invoke(context);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Probe(ProbeContext context) => context.CreateFilterScope("initiated");
}
