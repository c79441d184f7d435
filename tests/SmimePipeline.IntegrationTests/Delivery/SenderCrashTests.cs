using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing.SparkPost;
using SmimePipeline.Worker.Sending;
using Xunit.Abstractions;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>(c) The sender process is killed with SIGKILL mid-flow and restarted: nothing lost, duplicates bounded by what was in flight.</summary>
public sealed class SenderCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Concurrency = 10;
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Two_thousand_mails_survive_a_SIGKILL_of_the_sender_with_duplicates_at_most_the_mails_in_flight()
    {
        const int count = 2000;
        var settings = _rig.SenderSettings();
        settings["SmimePipeline:Sender:Concurrency"] = Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Logging:LogLevel:Default"] = "Warning";
        var mails = Enumerable.Range(0, count).Select(_ => DeliveryRig.Mail()).ToList();

        int acceptedAtKill;
        await using (var first = await WorkerProcess.StartAsync(settings, AppContext.BaseDirectory))
        {
            await WaitForConsumerAsync(first);
            await _rig.StartProducerAsync();
            await _rig.SendAsync(mails);
            await Eventually.HoldsAsync(
                () => Task.FromResult(_rig.Fake.AcceptedByMailId.Count >= 300 || first.HasExited),
                TimeSpan.FromSeconds(60),
                () => $"only {_rig.Fake.AcceptedByMailId.Count} accepted before the kill. Worker output:\n{first.Output}");
            Assert.False(first.HasExited, $"The worker died on its own:\n{first.Output}");
            await first.KillAsync();
            acceptedAtKill = _rig.Fake.AcceptedByMailId.Count;
        }

        Assert.True(acceptedAtKill < count, "Everything was delivered before the kill: the test proved nothing.");
        await using var second = await WorkerProcess.StartAsync(settings, AppContext.BaseDirectory);
        // The copies of the mails the killed sender was handing over wait until its claims are older than the hand-over
        // limit (the ESP's timeout plus HandOverDeadline.Margin), holding their consumers meanwhile; then 90 s for the rest.
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.Count >= count),
            SparkPostFake.ClientTimeout + HandOverDeadline.Margin + TimeSpan.FromSeconds(90),
            () => $"{_rig.Fake.AcceptedByMailId.Count} of {count} accepted after the restart. Worker output:\n{second.Output}");

        var accepted = _rig.Fake.AcceptedByMailId;
        var duplicates = accepted.Values.Sum(n => n - 1);
        output.WriteLine($"accepted at the kill: {acceptedAtKill}; distinct mails accepted: {accepted.Count}; duplicates: {duplicates} (at most {Concurrency} in flight)");
        Console.WriteLine($"SenderCrashTests: {accepted.Count} distinct mails accepted, {duplicates} duplicate(s) after SIGKILL at {acceptedAtKill}");
        Assert.All(mails, m => Assert.True(accepted.ContainsKey(m.MailId.ToString("D")), $"mail {m.MailId} was lost"));
        Assert.InRange(duplicates, 0, Concurrency);
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue));
        Assert.Equal(0, await _rig.VirtualHost.CountMessagesAsync($"{QueueNames.Deliver}_error"));
    }

    private async Task WaitForConsumerAsync(WorkerProcess worker)
        => await Eventually.HoldsAsync(
            async () => worker.HasExited || await _rig.ConsumersAsync(QueueNames.Deliver) > 0,
            TimeSpan.FromSeconds(60),
            () => $"the worker never consumed {QueueNames.Deliver}:\n{worker.Output}");
}
