using MassTransit;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A worker before issue 17, as far as the wire goes: MassTransit with its JSON deserializers only, consuming one
/// command from a quorum queue. A binary command it cannot read goes to the queue's <c>_error</c> queue untouched;
/// <see cref="Consumed"/> counts what did reach its handler. Started (60 s at most) before it is returned; stopped on
/// dispose.
/// </summary>
public sealed class PreBinaryConsumer : IAsyncDisposable
{
    private IBusControl _bus = null!;
    private int _consumed;

    private PreBinaryConsumer()
    {
    }

    /// <summary>How many messages reached the handler.</summary>
    public int Consumed => Volatile.Read(ref _consumed);

    /// <summary>Starts the old worker on <paramref name="amqpUri"/>, consuming <typeparamref name="TMessage"/> from <paramref name="queue"/>.</summary>
    /// <typeparam name="TMessage">The command the old worker consumed, e.g. <c>ProtectEmail</c>.</typeparam>
    public static async Task<PreBinaryConsumer> StartAsync<TMessage>(Uri amqpUri, string queue)
        where TMessage : class
    {
        var consumer = new PreBinaryConsumer();
        consumer._bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(amqpUri);
            cfg.ReceiveEndpoint(queue, e =>
            {
                e.SetQuorumQueue();
                e.Handler<TMessage>(_ =>
                {
                    Interlocked.Increment(ref consumer._consumed);
                    return Task.CompletedTask;
                });
            });
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await consumer._bus.StartAsync(timeout.Token);
        return consumer;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}
