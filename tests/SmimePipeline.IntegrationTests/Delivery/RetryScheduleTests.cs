using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>The retry ladder on RabbitMQ honours the configured schedule (short rungs: 1 s, 4 s, 9 s).</summary>
public sealed class RetryScheduleTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Attempts_follow_the_rungs_and_the_last_rung_dead_letters_with_retries_exhausted()
    {
        // A high threshold keeps the breaker out of this test: one mail failing is not an outage. Rungs far enough apart that
        // each gap tells its rung from the next one with seconds to spare on a loaded machine (AssertSpacing).
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings(retrySchedule: "1s,4s,9s", breakerThreshold: 100));
        await _rig.StartProducerAsync();

        var recovering = DeliveryRig.Mail();
        _rig.Fake.FailNext(2, 503);
        await _rig.SendAsync([recovering]);
        await Eventually.HoldsAsync(() => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(recovering.MailId.ToString("D"))), TimeSpan.FromSeconds(60), () => "not delivered after two failures");
        AssertSpacing(recovering.MailId, 2);

        var hopeless = DeliveryRig.Mail();
        _rig.Fake.FailNext(4, 500);
        await _rig.SendAsync([hopeless]);
        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) >= 1,
            TimeSpan.FromSeconds(90),
            () => "not dead-lettered after the last rung");
        AssertSpacing(hopeless.MailId, 3);
        var headers = Assert.Single(await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 5));
        Assert.Equal("retries-exhausted", headers[SenderHeaders.ReasonCode]);
        Assert.Equal("4", headers[SenderHeaders.Attempt]);
        Assert.Equal(4, headers[SenderHeaders.FailedAt].Split(',').Length);
        Assert.StartsWith("HTTP 500", headers[SenderHeaders.EspAnswer], StringComparison.Ordinal);
        Assert.Single(_rig.FailedEvents, e => e.MailId == hopeless.MailId && e.ReasonCode == "retries-exhausted");
    }

    // The gap before attempt k+1 is rung k's: not shorter than it, and shorter than the next rung, so a mail that waited on
    // another rung fails. Before session 15 the upper bound was the rung plus 1.5 s (rungs 1, 2, 3 s): RabbitMQ's TTL sweep
    // and the consume round trip on a loaded 2-core machine could take longer than that, and the bound still could not tell
    // rung 1 from rung 2. Now the slack is 3 s after rung 1 and 5 s after rung 2; after the last rung only its lower bound
    // and the dead-letter queue's reason tell.
    private void AssertSpacing(Guid mailId, int gaps)
    {
        double[] rungs = [1, 4, 9];
        var times = _rig.Fake.Requests.Where(r => r.MailId == mailId.ToString("D")).Select(r => r.ReceivedAt).ToList();
        Assert.Equal(gaps + 1, times.Count);
        for (var i = 0; i < gaps; i++)
        {
            var gap = (times[i + 1] - times[i]).TotalSeconds;
            var upper = i + 1 < rungs.Length ? rungs[i + 1] - 0.05 : double.MaxValue;
            Assert.True(gap >= rungs[i] - 0.05 && gap < upper, $"attempt {i + 2} came {gap:F2} s after attempt {i + 1}: not rung {i + 1} ({rungs[i]} s)");
        }
    }
}
