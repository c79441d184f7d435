using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A bus of its own on a test's virtual host that records every event of type <typeparamref name="T"/> the workers publish,
/// in the order received, on a receive endpoint of the given name, started (60 s at most) before it is returned and stopped
/// on dispose.
/// </summary>
public sealed class EventCollector<T> : IAsyncDisposable
    where T : class
{
    private readonly IBusControl _bus;
    private readonly ConcurrentQueue<T> _received;

    internal EventCollector(IBusControl bus, ConcurrentQueue<T> received)
    {
        _bus = bus;
        _received = received;
    }

    /// <summary>The collector's bus, started: a test may send on it as a producer would.</summary>
    public IBus Bus => _bus;

    /// <summary>The events received so far, oldest first.</summary>
    public IReadOnlyCollection<T> Received => _received;

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}

/// <summary>Starts <see cref="EventCollector{T}"/>s.</summary>
public static class EventCollector
{
    /// <summary>Starts a collector of <typeparamref name="T"/> on <paramref name="amqpUri"/> consuming from the queue <paramref name="endpointName"/>.</summary>
    public static async Task<EventCollector<T>> StartAsync<T>(Uri amqpUri, string endpointName)
        where T : class
    {
        var received = new ConcurrentQueue<T>();
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(amqpUri);
            cfg.ReceiveEndpoint(endpointName, e => e.Handler<T>(context =>
            {
                received.Enqueue(context.Message);
                return Task.CompletedTask;
            }));
        });
        var starting = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        WaitBudgetLog.Record("EventCollector start", TimeSpan.FromSeconds(60), starting.Elapsed, met: true, nameof(EventCollector), 0);
        return new EventCollector<T>(bus, received);
    }
}
