using System.Text;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// The benches that consume the product's own queues (<c>bench pipeline</c>, <c>bench guarantees --via masstransit</c>)
/// refuse a broker that carries traffic not theirs (issue 17, session 20): a queue they would consume with a consumer, or
/// with a message, stops them before any of their consumers starts, with a message that names the queue, its counts and
/// what to do; on a clean broker they run, and every queue they then consume was on the list they checked.
/// </summary>
public sealed class BenchQueueGuardTests
{
    [Fact]
    public async Task Bench_pipeline_refuses_a_broker_whose_protect_queue_has_a_consumer_and_takes_nothing_from_it()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var work = new TempDirectory();
        var factory = new ConnectionFactory { Uri = vhost.AmqpUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeclareQuorumQueueAsync(channel, QueueNames.Protect);
        // A real signer's consumer: it must get nothing from the bench.
        int received = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, _) =>
        {
            Interlocked.Increment(ref received);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(QueueNames.Protect, autoAck: true, consumer);

        var result = await SmimeCli.RunAsync(
            ["bench", "pipeline", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "5", "--message", "small", "--warmup", "0", "--work-dir", work.Path, "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("smime bench pipeline refuses to start", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("smime-protect (1 consumer, 0 messages ready)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("scripts/private-broker.sh", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"/{vhost.Name}", result.Stderr, StringComparison.Ordinal);
        // The broker's password is not printed.
        Assert.DoesNotContain("guest:guest", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
        // Nothing was published to the real consumer, and no mail reached the bench's pickup directory.
        await Task.Delay(500);
        Assert.Equal(0, Volatile.Read(ref received));
        Assert.Empty(Directory.GetFiles(work.Path, "*.eml", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Bench_guarantees_via_masstransit_refuses_a_broker_whose_deliver_queue_holds_a_message_and_leaves_it_there()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        using var work = new TempDirectory();
        var factory = new ConnectionFactory { Uri = vhost.AmqpUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await DeclareQuorumQueueAsync(channel, QueueNames.Deliver);
        // A real signer's DeliverEmail waiting for a sender: the bench's sender role would deliver it into its pickup directory.
        await channel.BasicPublishAsync(string.Empty, QueueNames.Deliver, mandatory: true, new BasicProperties { Persistent = true }, Encoding.ASCII.GetBytes("not the bench's"));

        var result = await SmimeCli.RunAsync(
            ["bench", "guarantees", "--via", "masstransit", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "5", "--warmup", "0", "--work-dir", work.Path, "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("smime bench guarantees --via masstransit refuses to start", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("smime-deliver (0 consumers, 1 message ready)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("rabbitmqctl purge_queue", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
        // The message is still there, and the bench published nothing into smime-protect.
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync(QueueNames.Deliver)).MessageCount);
        Assert.Equal(0, await vhost.CountMessagesNowAsync(QueueNames.Protect));
        Assert.Empty(Directory.GetFiles(work.Path, "*.eml", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Bench_pipeline_refuses_a_broker_whose_retry_rung_holds_a_message_that_would_return_to_its_deliver_queue()
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        var factory = new ConnectionFactory { Uri = vhost.AmqpUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        // Only the queue's name matters to the check; a long TTL keeps the message where it is.
        await channel.QueueDeclareAsync("smime-deliver-retry-1", durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await channel.BasicPublishAsync(string.Empty, "smime-deliver-retry-1", mandatory: true, new BasicProperties { Persistent = true }, Encoding.ASCII.GetBytes("a real mail's retry"));

        var result = await SmimeCli.RunAsync(["bench", "pipeline", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "5", "--message", "small", "--warmup", "0", "--json"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("smime-deliver-retry-1 (0 consumers, 1 message ready; they return to smime-deliver)", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("smime-deliver-retry-1")).MessageCount);
    }

    [Theory]
    [InlineData("pipeline")]
    [InlineData("guarantees")]
    public async Task On_a_clean_broker_the_bench_runs_and_every_queue_it_consumes_was_on_the_list_it_checked(string bench)
    {
        await using var vhost = await RabbitMqVirtualHost.CreateAsync();
        string[] arguments = bench == "pipeline"
            ? ["bench", "pipeline", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "60", "--message", "small", "--rate", "10", "--warmup", "0", "--no-stages", "--json"]
            : ["bench", "guarantees", "--via", "masstransit", "--rabbitmq", vhost.AmqpUri.ToString(), "--messages", "60", "--rate", "10", "--warmup", "0", "--json"];

        // Every queue with a consumer in the bench's virtual host while it runs (nothing else consumes there).
        var run = SmimeCli.RunAsync(arguments);
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        while (!run.IsCompleted)
        {
            consumed.UnionWith(await vhost.ConsumedQueuesAsync());
            await Task.WhenAny(run, Task.Delay(250));
        }

        var result = await run;
        Assert.True(result.ExitCode == 0, result.Stderr);
        var line = Regex.Match(result.Stderr, @"no consumer and no message in (?<queues>[^\n]+) on amqp://[^\n]+; starting\.");
        Assert.True(line.Success, result.Stderr);
        var checkedQueues = line.Groups["queues"].Value.Split(", ").ToHashSet(StringComparer.Ordinal);
        Assert.Contains(QueueNames.Protect, consumed);
        Assert.Contains(QueueNames.Deliver, consumed);
        Assert.Subset(checkedQueues, consumed);
        Assert.Contains("smime-deliver-retry-1", checkedQueues);
    }

    private static async Task DeclareQuorumQueueAsync(IChannel channel, string queue) =>
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
}
