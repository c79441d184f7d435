using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A bus of its own on a test's virtual host that records every <see cref="EmailDeliveryFailed"/> the workers publish,
/// on a receive endpoint of the given name, started (60 s at most) before it is returned and stopped on dispose
/// (an <see cref="EventCollector{T}"/> of that event).
/// </summary>
public sealed class FailureEventCollector : IAsyncDisposable
{
    private readonly EventCollector<EmailDeliveryFailed> _events;

    private FailureEventCollector(EventCollector<EmailDeliveryFailed> events) => _events = events;

    /// <summary>The collector's bus, started: a test may send on it as a producer would.</summary>
    public IBus Bus => _events.Bus;

    /// <summary>The events received so far.</summary>
    public IReadOnlyCollection<EmailDeliveryFailed> Failed => _events.Received;

    /// <summary>Starts a collector on <paramref name="amqpUri"/> consuming from the queue <paramref name="endpointName"/>.</summary>
    public static async Task<FailureEventCollector> StartAsync(Uri amqpUri, string endpointName)
        => new(await EventCollector.StartAsync<EmailDeliveryFailed>(amqpUri, endpointName));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _events.DisposeAsync();
}
