using RabbitMQ.Client;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Reads the dead-letter queue with AMQP <c>basic.get</c> and manual acknowledgement. Messages it
/// only looks at stay unacknowledged and return to the queue when the channel closes, whatever
/// happens to this process; a requeued message is first published to its work queue's exchange and
/// confirmed by the broker, and only then acknowledged. So no path loses a message: at worst a crash
/// between confirm and ack leaves a copy in both queues, and the delivery ledger stops a second send.
/// </summary>
internal sealed class DlqBrowser : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _queue;

    private DlqBrowser(IConnection connection, IChannel channel, string queue, string workQueue)
    {
        _connection = connection;
        _channel = channel;
        _queue = queue;
        WorkQueue = workQueue;
    }

    /// <summary>Where requeued mail goes: the work queue the dead letters came from.</summary>
    public string WorkQueue { get; }

    /// <summary>
    /// The work queue of a dead-letter queue: <c>smime-deliver-dead</c> → <c>smime-deliver</c>,
    /// <c>NAME_error</c> (MassTransit's) → <c>NAME</c>, <c>NAME-dead</c> → <c>NAME</c>.
    /// </summary>
    /// <exception cref="CliException">The name follows neither pattern.</exception>
    public static string WorkQueueOf(string queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        foreach (var suffix in new[] { "_error", "-dead" })
        {
            if (queue.Length > suffix.Length && queue.EndsWith(suffix, StringComparison.Ordinal))
            {
                return queue[..^suffix.Length];
            }
        }

        throw new CliException($"{queue} is not a dead-letter queue (expected smime-deliver-dead or a NAME_error queue).");
    }

    public static async Task<DlqBrowser> OpenAsync(Uri broker, string queue, CancellationToken cancellationToken)
    {
        var workQueue = WorkQueueOf(queue);
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "smime-dlq" };
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        return new DlqBrowser(connection, channel, queue, workQueue);
    }

    /// <summary>Takes every message that was in the queue when called (unacknowledged, so still safe).</summary>
    public async Task<IReadOnlyList<(DlqMessage Message, BasicGetResult Raw)>> TakeAllAsync(CancellationToken cancellationToken)
    {
        var declared = await _channel.QueueDeclarePassiveAsync(_queue, cancellationToken);
        var taken = new List<(DlqMessage, BasicGetResult)>();
        // Only as many as were there at the start: held messages are not redelivered to us, and
        // mail dead-lettered meanwhile is left for the next run.
        for (var i = 0; i < declared.MessageCount; i++)
        {
            var result = await _channel.BasicGetAsync(_queue, autoAck: false, cancellationToken);
            if (result is null)
            {
                break;
            }

            taken.Add((DlqMessage.From(result), result));
        }

        return taken;
    }

    /// <summary>
    /// Publishes the message back onto its <see cref="WorkQueue"/> with a fresh attempt count and without the broker's delivery
    /// count of its earlier queue (<c>RabbitMq:DeliveryLimit</c> counts this copy's own deliveries), waits for the confirm,
    /// then acks it here.
    /// </summary>
    public async Task RequeueAsync(BasicGetResult raw, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties(raw.BasicProperties)
        {
            Headers = new Dictionary<string, object?>(raw.BasicProperties.Headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal),
        };
        properties.Headers[SenderHeaders.Attempt] = 0;
        properties.Headers.Remove(DeliveryLimit.CountHeader);
        properties.Headers[SenderHeaders.RequeuedAt] = now.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await _channel.BasicPublishAsync(WorkQueue, routingKey: string.Empty, mandatory: true, properties, raw.Body, cancellationToken);
        await _channel.BasicAckAsync(raw.DeliveryTag, multiple: false, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        // Closing returns every message still unacknowledged to the queue.
        await _channel.CloseAsync();
        await _channel.DisposeAsync();
        await _connection.CloseAsync();
        await _connection.DisposeAsync();
    }
}
