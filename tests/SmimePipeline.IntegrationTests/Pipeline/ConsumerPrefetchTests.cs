using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// The prefetch the broker actually applies to the workers' consumers (issue 17): the sender gets two messages ahead
/// per concurrent delivery, so that its places do not idle for the quorum queue's ack → next delivery round trip, and
/// the signer at least as many as it holds at once (16 per protect slot by default).
/// </summary>
public sealed class ConsumerPrefetchTests : BrokerTest
{
    [Fact]
    public async Task Sender_prefetches_twice_its_concurrency_and_signer_at_least_its_in_flight_limit()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var worker = await WorkerHost.StartAsync(WorkerSettings("Signer,Sender", outbox, ("SmimePipeline:Signer:StorePath", Pki.StorePath), ("SmimePipeline:Sender:Concurrency", "3"), ("SmimePipeline:Signer:Concurrency", "2")));

        IReadOnlyList<int> sender = [], signer = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                sender = await VirtualHost.ConsumerPrefetchCountsAsync(QueueNames.Deliver);
                signer = await VirtualHost.ConsumerPrefetchCountsAsync(QueueNames.Protect);
                return sender.Count > 0 && signer.Count > 0;
            },
            TimeSpan.FromSeconds(60),
            () => "the workers' consumers did not appear on smime-deliver and smime-protect");

        Assert.All(sender, prefetch => Assert.Equal(DeliverEmailConsumerDefinition.PrefetchPerConcurrentMessage * 3, prefetch));
        Assert.All(signer, prefetch => Assert.True(prefetch >= SignerOptions.DefaultInFlightPerSlot * 2, $"smime-protect prefetch {prefetch}"));
    }
}
