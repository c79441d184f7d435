using System.Text;
using RabbitMQ.Client;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A quorum queue bound to an event's exchange and held at its length limit (<c>x-max-length 0</c>, <c>x-overflow
/// reject-publish</c>, one filler message: a quorum queue's length check is soft, it takes one message and refuses the next):
/// RabbitMQ nacks every later publish of that event, as a full queue of a real subscriber would. The channel stays open
/// (unlike withheld write permission, <c>ACCESS_REFUSED</c>), so the worker's bounded publish fails after
/// <c>RabbitMq:SendTimeout</c> with <c>BrokerSendRefusedException</c>. Disposing deletes the queue: the event goes through again.
/// </summary>
public sealed class EventNacker : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;
    private bool _deleted;

    private EventNacker(IConnection connection, IChannel channel, string queue)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
    }

    /// <summary>MassTransit's exchange for the event type <typeparamref name="T"/> (its default entity name: namespace:type).</summary>
    public static string ExchangeOf<T>() => $"{typeof(T).Namespace}:{typeof(T).Name}";

    /// <summary>Declares <paramref name="queue"/> full and binds it to <typeparamref name="T"/>'s exchange (declared as MassTransit does).</summary>
    public static async Task<EventNacker> BindAsync<T>(Uri amqpUri, string queue)
    {
        var connection = await new ConnectionFactory { Uri = amqpUri }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var exchange = ExchangeOf<T>();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-max-length"] = 0,
            ["x-overflow"] = "reject-publish",
        });
        await channel.QueueBindAsync(queue, exchange, routingKey: string.Empty);
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, new BasicProperties(), Encoding.UTF8.GetBytes("filler"));
        return new EventNacker(connection, channel, queue);
    }

    /// <summary>Deletes the queue: the broker takes the event again.</summary>
    public async Task DeleteAsync()
    {
        if (!_deleted)
        {
            await _channel.QueueDeleteAsync(_queue, ifUnused: false, ifEmpty: false);
            _deleted = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DeleteAsync();
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
