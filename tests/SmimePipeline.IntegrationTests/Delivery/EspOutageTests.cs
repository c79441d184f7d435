using System.Diagnostics;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>(a) SparkPost down for everyone, then back: the breaker pauses consumption, nothing is dead-lettered.</summary>
public sealed class EspOutageTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Every_mail_is_delivered_once_after_a_15_second_outage_and_consumption_paused_meanwhile()
    {
        const int count = 200;
        using var log = new BreakerLog();
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings(), log.AddTo);
        await _rig.StartProducerAsync();
        _rig.Fake.Down = true;
        var mails = Enumerable.Range(0, count).Select(_ => DeliveryRig.Mail()).ToList();

        await _rig.SendAsync(mails);

        // The outage lasts 15 s (more than twice the whole 1 s + 2 s + 3 s ladder) and ends only once the
        // breaker has paused consumption and seen its half-open probe fail again.
        var outage = Stopwatch.StartNew();
        await Eventually.HoldsAsync(
            () => Task.FromResult(outage.Elapsed >= TimeSpan.FromSeconds(15) && sender.Telemetry.SenderPausesTotal >= 2),
            TimeSpan.FromSeconds(60),
            () => $"the breaker paused {sender.Telemetry.SenderPausesTotal} time(s) during the outage\n{log.Tail()}");
        var failedDuringOutage = _rig.Fake.Requests.Count(r => r.Status == 503);
        _rig.Fake.Down = false;

        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.Count >= count),
            TimeSpan.FromSeconds(60),
            () => $"{_rig.Fake.AcceptedByMailId.Count} of {count} mails accepted\n{log.Tail()}");

        Assert.True(sender.Telemetry.SenderPausesTotal >= 1, "The breaker never paused consumption.");
        // Without the breaker, 200 mails would each have been tried on every rung (800 requests).
        Assert.True(failedDuringOutage < count, $"{failedDuringOutage} requests hit the ESP during the outage: the queue marched through the ladder.");
        Assert.All(mails, m => Assert.Equal(1, _rig.Fake.AcceptedByMailId[m.MailId.ToString("D")]));
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue));
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync($"{QueueNames.Deliver}_error"));
        Assert.Empty(_rig.FailedEvents);
    }
}
