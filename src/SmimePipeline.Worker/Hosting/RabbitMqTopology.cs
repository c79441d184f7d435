using RabbitMQ.Client;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Hosting;

/// <summary>
/// Declarations the worker makes on RabbitMQ itself, before MassTransit starts: queues that must exist even when the
/// role that consumes them has not started yet (the retry ladder, the queue a signer sends to).
/// </summary>
public static class RabbitMqTopology
{
    /// <summary>A connection with the worker's broker settings (URI, password file), named for the management UI.</summary>
    public static async Task<IConnection> ConnectAsync(RabbitMqOptions rabbit, string clientName, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = rabbit.Uri!, ClientProvidedName = clientName };
        if (rabbit.PasswordFile is { Length: > 0 } file)
        {
            factory.Password = (await File.ReadAllTextAsync(file, cancellationToken)).Trim();
        }

        return await factory.CreateConnectionAsync(cancellationToken);
    }

    /// <summary>
    /// Exchange and queue of the same name, fanout-bound: the layout MassTransit uses and
    /// <c>deploy/rabbitmq/definitions.json</c> declares, so <c>exchange:NAME</c> send addresses reach the queue.
    /// Idempotent; a queue that exists with other arguments fails with RabbitMQ's PRECONDITION_FAILED naming it.
    /// </summary>
    public static async Task DeclareBoundQueueAsync(IChannel channel, string name, IDictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: arguments, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(name, name, routingKey: string.Empty, cancellationToken: cancellationToken);
    }
}
