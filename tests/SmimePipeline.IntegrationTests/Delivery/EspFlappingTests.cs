using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Sending;
using Microsoft.Extensions.DependencyInjection;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// Session 18: the breaker pausing and resuming <c>smime-deliver</c> many times a second, each probe failing at once (the
/// ESP answers 503 to every request, the breaker opens at the first failure for 50 ms; 200 pauses), so that a stop follows a start
/// that has not finished and a start follows a stop that has not finished. Session 17's CI lost the endpoint that way
/// once: "0 of 200 mails accepted" after an outage. When the ESP comes back, every mail must be delivered exactly once and
/// none dead-lettered, whatever the timing of the last pause and resume.
/// </summary>
public sealed class EspFlappingTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Every_mail_is_delivered_once_after_many_fast_pause_and_resume_cycles_with_failing_probes()
    {
        const int count = 100;
        const int cycles = 200;
        using var log = new BreakerLog();
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings(breakerThreshold: 1, breakerOpen: "00:00:00.050"), log.AddTo);
        await _rig.StartProducerAsync();
        _rig.Fake.Down = true;
        var mails = Enumerable.Range(0, count).Select(_ => DeliveryRig.Mail()).ToList();

        await _rig.SendAsync(mails);

        await Eventually.HoldsAsync(
            () => Task.FromResult(sender.Telemetry.SenderPausesTotal >= cycles),
            TimeSpan.FromSeconds(180),
            () => $"the breaker paused {sender.Telemetry.SenderPausesTotal} of {cycles} times while the ESP was down\n{log.Tail()}");
        _rig.Fake.Down = false;

        var consumers = 0;
        await Eventually.HoldsAsync(
            async () =>
            {
                consumers = await _rig.ConsumersAsync(QueueNames.Deliver);
                return _rig.Fake.AcceptedByMailId.Count >= count;
            },
            TimeSpan.FromSeconds(120),
            () => $"{_rig.Fake.AcceptedByMailId.Count} of {count} mails accepted after {sender.Telemetry.SenderPausesTotal} pauses; {consumers} consumer(s) on " +
                $"{QueueNames.Deliver}; {Consumption(sender)}\n{log.Tail()}");

        Assert.All(mails, m => Assert.Equal(1, _rig.Fake.AcceptedByMailId[m.MailId.ToString("D")]));
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesNowAsync($"{QueueNames.Deliver}_error"));
        Assert.Empty(_rig.FailedEvents);
        Assert.False(sender.Services.GetRequiredService<EspCircuitBreaker>().IsOpen, "The breaker is still open after every mail was delivered.");
        Assert.Empty(sender.Services.GetRequiredService<WorkQueueConsumers>().NotConsuming());
    }

    private static string Consumption(WorkerHost sender) =>
        sender.Services.GetRequiredService<WorkQueueConsumers>().NotConsuming() is { Count: > 0 } missing
            ? "not consuming " + string.Join(", ", missing.Select(m => $"{m.Queue} ({m.State} since {m.Since:HH:mm:ss.fff}, paused on purpose: {m.PausedOnPurpose})"))
            : "consuming";
}
