using System.Collections.Concurrent;
using System.Globalization;
using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// The sends and publishes a consumer makes on its message's behalf (the retry ladder's and dead-letter queue's copies, the
/// signer's <c>DeliverEmail</c>, the events), each bounded by <see cref="RabbitMqOptions.SendTimeout"/> and made past the
/// consume context. Bounded: MassTransit 8.5 retries a send whose channel the broker closed (<c>ACCESS_REFUSED</c>) up to
/// 1,000 times, 3–30 s apart, unless the send's own token ends it, so a send with only the consume's token held the try
/// for hours. Past the context: a send or publish through the consume context is also registered as a task of the consume,
/// which MassTransit awaits again after the consumer returned, so one that failed failed the whole receive into the
/// endpoint's <c>_error</c> queue however the consumer had handled it. A send the broker does not take (the bound expired,
/// a nack, a closed channel) throws <see cref="BrokerSendRefusedException"/> naming what and where; the consume's own
/// cancellation (the bus stopping, a broker blink) passes as it is. The same one publish or send as before: no extra
/// round trip; the bound costs a linked token source and a timer per send. What a send is called in a refusal is written
/// only when one happens, and the exchange's address is parsed once per exchange (issue 17, session 18: every mail
/// publishes two events through here).
/// </summary>
public sealed class BoundedBrokerSend(IOptions<SmimePipelineOptions> options)
{
    private readonly TimeSpan _timeout = options.Value.RabbitMq.SendTimeout;
    private readonly ConcurrentDictionary<string, Uri> _exchanges = new(StringComparer.Ordinal);

    /// <summary>
    /// Publishes <paramref name="message"/> as an event of <paramref name="context"/>'s message (same conversation, the
    /// message as initiator; the trace is the current activity's) on the channel of <paramref name="apart"/> (the bus's own
    /// endpoint), not on the one <paramref name="context"/>'s message was delivered on; completes once the broker confirmed it.
    /// A refusal that closes its channel (write permission withheld: <c>ACCESS_REFUSED</c>) then closes that one: the
    /// consume's channel, and with it the message's unacknowledged delivery, stay, so the consumer can still settle the message
    /// (report it, move it to its error queue) instead of the broker giving it back. MassTransit 8.5 sends from a receive
    /// endpoint on that endpoint's consume channel (its send and publish transports share the endpoint's channel supervisor).
    /// Every event a consumer publishes goes this way, through <see cref="MailEventPublisher"/> (session 18 for the signer's
    /// <c>EmailProtected</c>, session 19 for every event): the publish on the consume's own channel is gone (session 22).
    /// </summary>
    /// <exception cref="BrokerSendRefusedException">The broker did not take it within the bound.</exception>
    public Task PublishApartAsync<T>(ConsumeContext context, IPublishEndpointProvider apart, T message)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(apart);
        return PublishBoundedAsync(context, apart, message);
    }

    /// <summary>
    /// Publishes <paramref name="message"/> on <paramref name="bus"/> for a message that never reached a consumer (a body
    /// MassTransit could not read), bounded as every other send here: MassTransit retries a publish the broker refuses by
    /// closing its channel for hours when only <paramref name="receiveToken"/> can end it, and the receive fault's observer
    /// held the endpoint's delivery that long (session 22). Completes once the broker confirmed it.
    /// </summary>
    /// <exception cref="BrokerSendRefusedException">The broker did not take it within the bound.</exception>
    public async Task PublishWithoutConsumeAsync<T>(IPublishEndpoint bus, T message, CancellationToken receiveToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(bus);
        using var bound = Bound(receiveToken);
        try
        {
            await bus.Publish(message, bound.Token);
        }
        catch (Exception e) when (IsRefusal(e, receiveToken))
        {
            throw Refused(e, $"the {typeof(T).Name} event");
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> to the exchange <paramref name="exchange"/>, with <paramref name="configure"/> on its
    /// send context (after the conversation and initiator of <paramref name="context"/>'s message); completes once the
    /// broker confirmed it.
    /// </summary>
    /// <exception cref="BrokerSendRefusedException">The broker did not take it within the bound.</exception>
    public Task SendAsync<T>(ConsumeContext context, string exchange, T message, Action<SendContext<T>> configure)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(configure);
        return SendBoundedAsync(context, exchange, message, configure);
    }

    private async Task PublishBoundedAsync<T>(ConsumeContext context, IPublishEndpointProvider provider, T message)
        where T : class
    {
        using var bound = Bound(context.CancellationToken);
        try
        {
            var endpoint = await provider.GetPublishSendEndpoint<T>();
            await endpoint.Send(message, new InitiatedSendPipe<T>(context), bound.Token);
        }
        catch (Exception e) when (IsRefusal(e, context.CancellationToken))
        {
            throw Refused(e, $"the {typeof(T).Name} event");
        }
    }

    private async Task SendBoundedAsync<T>(ConsumeContext context, string exchange, T message, Action<SendContext<T>> configure)
        where T : class
    {
        using var bound = Bound(context.CancellationToken);
        try
        {
            var address = _exchanges.GetOrAdd(exchange, static name => new Uri($"exchange:{name}"));
            var endpoint = await context.ReceiveContext.SendEndpointProvider.GetSendEndpoint(address);
            await endpoint.Send(message, new InitiatedSendPipe<T>(context, configure), bound.Token);
        }
        catch (Exception e) when (IsRefusal(e, context.CancellationToken))
        {
            throw Refused(e, $"the {typeof(T).Name} for {exchange}");
        }
    }

    private CancellationTokenSource Bound(CancellationToken token)
    {
        var bound = CancellationTokenSource.CreateLinkedTokenSource(token);
        bound.CancelAfter(_timeout);
        return bound;
    }

    // A send the broker did not take: the bound expired (a nack lands here too: MassTransit's send retries it, as
    // RabbitMqConnectionException over PublishException "Message rejected by broker", until the bound), or the transport
    // said so. The consume's (or receive's) own cancellation passes as it is.
    private static bool IsRefusal(Exception e, CancellationToken token) =>
        !token.IsCancellationRequested && (e is OperationCanceledException || IsTransportFailure(e));

    private BrokerSendRefusedException Refused(Exception e, string what) =>
        e is OperationCanceledException
            // No inner exception: MassTransit takes a consumer's exception whose innermost one is a cancellation for the
            // consumer's own cancellation (ConsumerCanceledException) and retries it.
            ? new BrokerSendRefusedException(string.Create(
                CultureInfo.InvariantCulture,
                $"RabbitMQ did not take {what} within RabbitMq:SendTimeout ({_timeout.TotalSeconds:0.#} s): refused (write permission withheld, ACCESS_REFUSED; a nack from a queue at its length limit) or unreachable."))
            // A nack (x-overflow reject-publish at a length limit) or a channel the broker closed: named by type, as every
            // exception whose message is not ours.
            : new BrokerSendRefusedException($"RabbitMQ refused {what} ({e.GetType().Name}): a nack from a queue at its length limit, or a closed channel.", e);

    // What MassTransit's transport or RabbitMQ.Client throw for a send the broker did not take. Anything else (a publish
    // observer, a serializer) is not the broker's answer and passes as it is.
    private static bool IsTransportFailure(Exception e) =>
        e is MassTransitException or RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException;
}
