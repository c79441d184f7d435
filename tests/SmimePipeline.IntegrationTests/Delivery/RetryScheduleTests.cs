using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>The retry ladder on RabbitMQ honours the configured schedule (short rungs: 1 s, 2 s, 3 s).</summary>
public sealed class RetryScheduleTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Attempts_follow_the_rungs_and_the_last_rung_dead_letters_with_retries_exhausted()
    {
        // A high threshold keeps the breaker out of this test: one mail failing is not an outage.
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings(breakerThreshold: 100));
        await _rig.StartProducerAsync();

        var recovering = DeliveryRig.Mail();
        _rig.Fake.FailNext(2, 503);
        await _rig.SendAsync([recovering]);
        await Eventually.HoldsAsync(() => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(recovering.MailId.ToString("D"))), TimeSpan.FromSeconds(30), () => "not delivered after two failures");
        AssertSpacing(recovering.MailId, [1, 2]);

        var hopeless = DeliveryRig.Mail();
        _rig.Fake.FailNext(4, 500);
        await _rig.SendAsync([hopeless]);
        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) >= 1,
            TimeSpan.FromSeconds(30),
            () => "not dead-lettered after the last rung");
        AssertSpacing(hopeless.MailId, [1, 2, 3]);
        var headers = Assert.Single(await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 5));
        Assert.Equal("retries-exhausted", headers[SenderHeaders.ReasonCode]);
        Assert.Equal("4", headers[SenderHeaders.Attempt]);
        Assert.Equal(4, headers[SenderHeaders.FailedAt].Split(',').Length);
        Assert.StartsWith("HTTP 500", headers[SenderHeaders.EspAnswer], StringComparison.Ordinal);
        Assert.Single(_rig.FailedEvents, e => e.MailId == hopeless.MailId && e.ReasonCode == "retries-exhausted");
    }

    private void AssertSpacing(Guid mailId, int[] expectedSeconds)
    {
        var times = _rig.Fake.Requests.Where(r => r.MailId == mailId.ToString("D")).Select(r => r.ReceivedAt).ToList();
        Assert.Equal(expectedSeconds.Length + 1, times.Count);
        for (var i = 0; i < expectedSeconds.Length; i++)
        {
            var gap = (times[i + 1] - times[i]).TotalSeconds;
            // Not earlier than the rung; later only by RabbitMQ's TTL sweep and the consume round trip.
            Assert.InRange(gap, expectedSeconds[i] - 0.05, expectedSeconds[i] + 1.5);
        }
    }
}
