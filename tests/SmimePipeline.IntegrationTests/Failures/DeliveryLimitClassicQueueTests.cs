using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 15: <c>RabbitMq:DeliveryLimit</c> counts the broker's <c>x-delivery-count</c>, which only quorum queues carry. A
/// worker on classic queues (<c>RabbitMq:QuorumQueues=false</c>) says so at start, one warning per work queue naming it,
/// instead of leaving an operator to believe looping messages are stopped. Real RabbitMQ.
/// </summary>
public sealed class DeliveryLimitClassicQueueTests : BrokerTest
{
    private static readonly string[] WorkQueues = [QueueNames.Protect, QueueNames.ProtectLarge, QueueNames.Deliver, QueueNames.Harvest];

    [Fact]
    public async Task A_worker_on_classic_queues_warns_once_per_work_queue_that_the_delivery_limit_does_nothing_there()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        var off = new RecordingLoggerProvider();
        await using (await WorkerHost.StartAsync(
            WorkerSettings("Signer", outbox, ("SmimePipeline:Roles", "Signer,Sender"), ("SmimePipeline:RabbitMq:QuorumQueues", "false"), ("SmimePipeline:RabbitMq:DeliveryLimit", "0")),
            builder => builder.Logging.AddProvider(off)))
        {
        }

        // With the limit off there is nothing to warn about.
        Assert.DoesNotContain(off.Lines, l => l.Contains("does nothing on", StringComparison.Ordinal));

        var on = new RecordingLoggerProvider();
        await using (await WorkerHost.StartAsync(
            WorkerSettings("Signer", outbox, ("SmimePipeline:Roles", "Signer,Sender"), ("SmimePipeline:RabbitMq:QuorumQueues", "false")),
            builder => builder.Logging.AddProvider(on)))
        {
        }

        foreach (var queue in WorkQueues)
        {
            Assert.Single(on.Lines, l => l.Contains($"RabbitMq:DeliveryLimit (10) does nothing on {queue}: RabbitMq:QuorumQueues is off", StringComparison.Ordinal));
        }

        Assert.Equal(WorkQueues.Length, on.Lines.Count(l => l.Contains("does nothing on", StringComparison.Ordinal)));
    }
}
