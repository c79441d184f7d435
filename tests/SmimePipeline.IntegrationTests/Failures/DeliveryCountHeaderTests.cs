using System.Text;
using RabbitMQ.Client;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 15: which <c>x-delivery-count</c> an AMQP client reads on a quorum queue (RabbitMQ 3.10.8), the header
/// <see cref="DeliveryLimit.CountOf"/> stops a looping message by. Session 14 measured the broker's side through the management
/// API only, and left open which value a client reads when the message arrives with a stale header of its own (an
/// <c>_error</c> copy carries the count MassTransit copied from the delivery that failed), and whether
/// <c>smime dlq requeue</c> starts the count afresh. Pinned here with RabbitMQ.Client, the library under MassTransit's
/// transport headers and <c>smime dlq</c>, on queues of the test's own virtual host.
/// </summary>
public sealed class DeliveryCountHeaderTests : BrokerTest
{
    private const string WorkQueue = "count-pin";
    private const string ErrorQueue = WorkQueue + "_error";

    [Fact]
    public async Task A_quorum_queue_counts_each_return_from_zero_whatever_count_the_producer_wrote()
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeclareQuorumQueueAsync(channel, WorkQueue);

        // A stale count of 3, as the _error copy of a message stopped at RabbitMq:DeliveryLimit 3 carries it.
        await channel.BasicPublishAsync(string.Empty, WorkQueue, mandatory: true, Properties(Guid.NewGuid(), staleCount: 3), Encoding.UTF8.GetBytes("pin"));

        var seen = await TakeAndReturnAsync(channel, WorkQueue, times: 3);

        // The broker's count replaces the producer's: 0 on the first delivery, +1 per return; redelivered from the first return.
        Assert.True(
            seen.SequenceEqual([(false, (long?)0), (true, 1), (true, 2)]),
            $"(redelivered, x-delivery-count) per delivery: {string.Join(", ", seen)}");
    }

    [Fact]
    public async Task Smime_dlq_requeue_gives_the_copy_back_with_the_count_starting_afresh()
    {
        var mailId = Guid.NewGuid();
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeclareQuorumQueueAsync(channel, WorkQueue);
        await DeclareQuorumQueueAsync(channel, ErrorQueue);
        // smime dlq requeue publishes to the work queue's exchange, as MassTransit's topology has it.
        await channel.ExchangeDeclareAsync(WorkQueue, ExchangeType.Fanout, durable: true);
        await channel.QueueBindAsync(WorkQueue, WorkQueue, routingKey: string.Empty);
        await channel.BasicPublishAsync(string.Empty, ErrorQueue, mandatory: true, Properties(mailId, staleCount: 3), Encoding.UTF8.GetBytes("pin"));

        // smime dlq list takes the copy with basic.get and returns it when it closes: one more delivery in the error queue.
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Contains(mailId.ToString("D"), list.StdoutText, StringComparison.Ordinal);
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", mailId.ToString("D"), "--queue", ErrorQueue, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());

        var seen = await TakeAndReturnAsync(channel, WorkQueue, times: 2);

        // A first delivery in the work queue (count 0, not redelivered), then the work queue's own count.
        Assert.True(
            seen.SequenceEqual([(false, (long?)0), (true, 1)]),
            $"(redelivered, x-delivery-count) per delivery after requeue: {string.Join(", ", seen)}");
    }

    private async Task<IConnection> ConnectAsync() => await new ConnectionFactory { Uri = VirtualHost.AmqpUri }.CreateConnectionAsync();

    private static async Task DeclareQuorumQueueAsync(IChannel channel, string queue) =>
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });

    private static BasicProperties Properties(Guid mailId, long staleCount) => new()
    {
        Persistent = true,
        ContentType = "text/plain",
        Headers = new Dictionary<string, object?>
        {
            [DeliveryLimit.CountHeader] = staleCount,
            [SenderHeaders.MailId] = mailId.ToString("D"),
        },
    };

    // Takes the queue's one message `times` times with basic.get, returning it each time with a nack (requeue), and records
    // the broker's redelivered flag and the count header as the client reads them.
    private static async Task<List<(bool Redelivered, long? Count)>> TakeAndReturnAsync(IChannel channel, string queue, int times)
    {
        var seen = new List<(bool, long?)>();
        for (var i = 0; i < times; i++)
        {
            BasicGetResult? got = null;
            await Eventually.HoldsAsync(
                async () => (got = await channel.BasicGetAsync(queue, autoAck: false)) is not null,
                TimeSpan.FromSeconds(30),
                () => $"no message in {queue} for delivery {i + 1}; seen so far: {string.Join(", ", seen)}");
            var headers = got!.BasicProperties.Headers;
            var count = headers is not null && headers.TryGetValue(DeliveryLimit.CountHeader, out var value) ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
            seen.Add((got.Redelivered, count));
            await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true);
        }

        return seen;
    }
}
