using MassTransit;

namespace SmimePipeline.Worker.Messaging;

/// <summary>
/// Publishes the events a consumer makes about its message (<c>EmailProtected</c>, <c>EmailDelivered</c>,
/// <c>EmailDeliveryFailed</c>) on the bus's own channel, apart from the one the message was delivered on, bounded and past
/// the consume context (<see cref="BoundedBrokerSend.PublishApartAsync{T}"/>). MassTransit 8.5 publishes from a receive
/// endpoint on that endpoint's consume channel, so a refusal that closes the channel (write permission withheld on the
/// event's exchange: <c>ACCESS_REFUSED</c>) took the message's unacknowledged delivery with it: the message came back, and
/// each redelivery did its work again and was refused again until <c>RabbitMq:DeliveryLimit</c>. Apart, the refusal closes
/// the bus's channel (MassTransit opens another), the consume's channel and the delivery stay, and the refused event ends
/// as a nacked one does: <see cref="BrokerSendRefusedException"/> after <c>RabbitMq:SendTimeout</c>, then its reporter's
/// end (line 1018 for a failure's event, <c>protected-event-refused</c>, <c>delivered-event-refused</c>). Session 18 did this
/// for <c>EmailProtected</c>; session 19 for every event. The bus is resolved on the first publish, not at construction:
/// the endpoints' filter is built while the bus itself is being configured.
/// </summary>
public sealed class MailEventPublisher(BoundedBrokerSend broker, IServiceProvider services)
{
    private IBus? _bus;

    /// <summary>
    /// Publishes <paramref name="message"/> as an event of <paramref name="context"/>'s message on the bus's channel; completes
    /// once the broker confirmed it.
    /// </summary>
    /// <exception cref="BrokerSendRefusedException">The broker did not take it within <c>RabbitMq:SendTimeout</c>.</exception>
    public Task PublishAsync<T>(ConsumeContext context, T message)
        where T : class
        => broker.PublishApartAsync(context, _bus ??= services.GetRequiredService<IBus>(), message);
}
