using System.Collections.Concurrent;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A bus of its own on a test's virtual host that records every <see cref="EmailDeliveryFailed"/> the workers publish,
/// on a receive endpoint of the given name, started (60 s at most) before it is returned and stopped on dispose.
/// </summary>
public sealed class FailureEventCollector : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly ConcurrentBag<EmailDeliveryFailed> _failed;

    private FailureEventCollector(IBusControl bus, ConcurrentBag<EmailDeliveryFailed> failed)
    {
        _bus = bus;
        _failed = failed;
    }

    /// <summary>The collector's bus, started: a test may send on it as a producer would.</summary>
    public IBus Bus => _bus;

    /// <summary>The events received so far.</summary>
    public IReadOnlyCollection<EmailDeliveryFailed> Failed => _failed;

    /// <summary>Starts a collector on <paramref name="amqpUri"/> consuming from the queue <paramref name="endpointName"/>.</summary>
    public static async Task<FailureEventCollector> StartAsync(Uri amqpUri, string endpointName)
    {
        var failed = new ConcurrentBag<EmailDeliveryFailed>();
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(amqpUri);
            cfg.ReceiveEndpoint(endpointName, e => e.Handler<EmailDeliveryFailed>(context =>
            {
                failed.Add(context.Message);
                return Task.CompletedTask;
            }));
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        return new FailureEventCollector(bus, failed);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
