using System.Collections.Concurrent;
using System.Globalization;
using MassTransit;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;
using SmimePipeline.Worker.Sending;
using Xunit.Abstractions;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// Issue 14's chaos run: two signers and two senders (separate processes) sharing a PostgreSQL ledger, an ESP
/// that takes 1 s to answer (and, like SparkPost, keeps a transmission whose client went away), 600 mails, while
/// every broker connection is closed twice and the broker application is stopped and started. Nothing may be
/// lost and at most 1 % may go out twice. Then a sender is killed (SIGKILL) while both drain a backlog: the
/// duplicates stay within the documented bound, the mails that sender had in flight.
/// </summary>
[Collection(BrokerChaosGroup.Name)]
public sealed class BrokerChaosTests(ITestOutputHelper output) : BrokerTest
{
    private const int Mails = 600;
    private const int Backlog = 400;
    private const int SenderConcurrency = 10;
    private readonly ConcurrentBag<EmailDelivered> _delivered = [];
    private readonly ConcurrentBag<EmailDeliveryFailed> _failed = [];

    [Fact]
    public async Task Six_hundred_mails_survive_connection_drops_and_a_broker_restart_with_at_most_one_percent_sent_twice()
    {
        await using var fake = await SparkPostFake.StartAsync();
        fake.AnswerDelay = TimeSpan.FromSeconds(1);
        fake.AbandonedRequestsAreAccepted = true;
        await using var signer1 = await WorkerProcess.StartAsync(SignerSettings(), Temp.Path);
        await using var signer2 = await WorkerProcess.StartAsync(SignerSettings(), Temp.Path);
        var sender1 = await WorkerProcess.StartAsync(SenderSettings(fake), Temp.Path);
        await using var sender2 = await WorkerProcess.StartAsync(SenderSettings(fake), Temp.Path);
        WorkerProcess[] workers = [signer1, signer2, sender1, sender2];
        var bus = await StartEventListenerAsync();
        try
        {
            // Part 1: the broker blinks while 600 mails flow (≈ 30 s at 2 × 10 hand-overs of 1 s each).
            var mails = await PublishAsync(bus, Mails);
            await WaitForAcceptedAsync(fake, mails, 60, workers);
            await ChaosAsync("close every connection", fake, mails, async () => await VirtualHost.CloseAllConnectionsAsync("chaos test"));
            await WaitForAcceptedAsync(fake, mails, 150, workers);
            await ChaosAsync("close every connection", fake, mails, async () => await VirtualHost.CloseAllConnectionsAsync("chaos test"));
            await WaitForAcceptedAsync(fake, mails, 200, workers);
            // stop_app is graceful and slow on a loaded machine (up to a minute): the flow goes on until the app is down.
            var beforeStop = Accepted(fake, mails);
            await ChaosAsync("rabbitmqctl stop_app", fake, mails, RabbitMqControl.StopAppAsync);
            // The outage itself, not a wait for a condition: hand-overs already started finish meanwhile.
            await Task.Delay(TimeSpan.FromSeconds(5));
            await ChaosAsync("rabbitmqctl start_app", fake, mails, RabbitMqControl.StartAppAsync);
            Assert.True(beforeStop < Mails, "every mail was accepted before the broker was stopped: the chaos came too late to prove anything");

            await WaitForAcceptedAsync(fake, mails, Mails, workers, TimeSpan.FromMinutes(3));
            var duplicates = Duplicates(fake, mails);
            output.WriteLine($"{Now()} chaos: {Mails} mails, all accepted, {duplicates} duplicate(s) ({fake.Requests.Count} requests, {Abandoned(fake)} accepted after the client gave up waiting)");
            Console.WriteLine($"BrokerChaosTests: {Mails} mails through 2 connection drops and a broker stop/start: {duplicates} duplicate(s)");
            ReportWindow(fake, mails);
            await ReportLedgerLagAsync([sender1, sender2]);
            Assert.InRange(duplicates, 0, Mails / 100);

            // Part 2: a sender killed while both drain a backlog.
            var backlog = await PublishAsync(bus, Backlog);
            await WaitForAcceptedAsync(fake, backlog, Backlog / 4, workers);
            await sender1.KillAsync();
            var acceptedAtKill = Accepted(fake, backlog);
            output.WriteLine($"{Now()} killed sender 1 at {acceptedAtKill} of {Backlog} accepted");
            await using var restarted = await WorkerProcess.StartAsync(SenderSettings(fake), Temp.Path);
            await WaitForAcceptedAsync(fake, backlog, Backlog, [signer1, signer2, sender2, restarted], TimeSpan.FromMinutes(3));
            var killDuplicates = Duplicates(fake, backlog);
            output.WriteLine($"{Now()} kill: {Backlog} mails, all accepted, {killDuplicates} duplicate(s) (bound: {SenderConcurrency} in flight)");
            Console.WriteLine($"BrokerChaosTests: SIGKILL of a sender draining {Backlog} mails at {acceptedAtKill}: {killDuplicates} duplicate(s)");
            Assert.True(acceptedAtKill < Backlog, "the backlog was drained before the kill: the test proved nothing");
            Assert.InRange(killDuplicates, 0, SenderConcurrency);

            Assert.Empty(_failed);
            foreach (var queue in new[] { RetryLadderTopology.DeadLetterQueue, $"{QueueNames.Deliver}_error", $"{QueueNames.Protect}_error" })
            {
                Assert.Equal(0, await VirtualHost.CountMessagesAsync(queue));
            }
        }
        finally
        {
            await sender1.DisposeAsync();
            await bus.StopAsync();
        }
    }

    private Dictionary<string, string?> SignerSettings() => new()
    {
        ["SmimePipeline:Roles"] = "Signer",
        ["SmimePipeline:Transport"] = "RabbitMq",
        ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
        ["SmimePipeline:Signer:StorePath"] = Pki.StorePath,
        ["SmimePipeline:Signer:Concurrency"] = "1",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private Dictionary<string, string?> SenderSettings(SparkPostFake fake) => new()
    {
        ["SmimePipeline:Roles"] = "Sender",
        ["SmimePipeline:Transport"] = "RabbitMq",
        ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
        ["SmimePipeline:Sender:Concurrency"] = SenderConcurrency.ToString(CultureInfo.InvariantCulture),
        ["SmimePipeline:Sender:RetrySchedule"] = "1s,2s,5s,10s,20s",
        ["SmimePipeline:Delivery:Provider"] = "sparkpost",
        ["SmimePipeline:Delivery:SparkPost:BaseUrl"] = fake.BaseUrl.ToString(),
        ["SmimePipeline:Delivery:SparkPost:ApiKey"] = fake.ApiKey,
        ["SmimePipeline:Delivery:SparkPost:Timeout"] = "00:00:30",
        ["SmimePipeline:Delivery:SparkPost:MaxConnections"] = SenderConcurrency.ToString(CultureInfo.InvariantCulture),
        ["SmimePipeline:Delivery:Ledger:Provider"] = "postgres",
        ["SmimePipeline:Delivery:Ledger:PostgresConnectionString"] = TestServices.PostgresConnectionString,
        ["SmimePipeline:ShutdownTimeout"] = "00:00:10",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    private async Task<IBusControl> StartEventListenerAsync()
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint("test-chaos-events", e =>
            {
                e.Handler<EmailDelivered>(context =>
                {
                    _delivered.Add(context.Message);
                    return Task.CompletedTask;
                });
                e.Handler<EmailDeliveryFailed>(context =>
                {
                    _failed.Add(context.Message);
                    return Task.CompletedTask;
                });
            });
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        return bus;
    }

    private async Task<HashSet<string>> PublishAsync(IBus bus, int count)
    {
        var publisher = new SmimeMailPublisher(bus);
        var mails = Enumerable.Range(0, count)
            .Select(i => TestMails.Create(i, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with { Attachments = [] })
            .ToList();
        foreach (var batch in mails.Chunk(100))
        {
            await Task.WhenAll(batch.Select(m => publisher.ProtectAsync(m)));
        }

        return mails.Select(m => m.MailId.ToString("D")).ToHashSet(StringComparer.Ordinal);
    }

    private static int Accepted(SparkPostFake fake, HashSet<string> mails) => fake.AcceptedByMailId.Keys.Count(mails.Contains);

    // Accepted transmissions whose answer never reached a socket: the client timed out or was killed.
    private static int Abandoned(SparkPostFake fake)
        => fake.Requests.Count(r => r.TransmissionId is not null && !fake.AnsweredAtByTransmissionId.ContainsKey(r.TransmissionId));

    private static int Duplicates(SparkPostFake fake, HashSet<string> mails)
        => fake.AcceptedByMailId.Where(a => mails.Contains(a.Key)).Sum(a => a.Value - 1);

    private static Task WaitForAcceptedAsync(SparkPostFake fake, HashSet<string> mails, int count, IReadOnlyList<WorkerProcess> workers, TimeSpan? timeout = null)
        => Eventually.HoldsAsync(
            () => Task.FromResult(Accepted(fake, mails) >= count || workers.Any(w => w.HasExited)),
            timeout ?? TimeSpan.FromSeconds(120),
            () => $"{Accepted(fake, mails)} of {count} accepted\n" + string.Join("\n----\n", workers.Select(w => w.Output[^Math.Min(w.Output.Length, 4000)..])))
        .ContinueWith(
            t =>
            {
                t.GetAwaiter().GetResult();
                Assert.False(workers.Any(w => w.HasExited), "a worker died on its own:\n" + string.Join("\n----\n", workers.Where(w => w.HasExited).Select(w => w.Output)));
            },
            TaskScheduler.Default);

    /// <summary>
    /// The duplicate window per mail: from the moment the fake had handed its acceptance to the socket to the
    /// sender's <see cref="EmailDelivered.DeliveredAt"/>, stamped right after the ledger's commit returned.
    /// </summary>
    private void ReportWindow(SparkPostFake fake, HashSet<string> mails)
    {
        var answered = fake.AnsweredAtByTransmissionId;
        var windows = _delivered
            .Where(d => mails.Contains(d.MailId.ToString("D")) && d.ProviderMessageId is not null && answered.ContainsKey(d.ProviderMessageId))
            .GroupBy(d => d.MailId)
            .Select(g => g.Max(d => (d.DeliveredAt - answered[d.ProviderMessageId!]).TotalMilliseconds))
            .Order()
            .ToList();
        if (windows.Count == 0)
        {
            output.WriteLine("no EmailDelivered event matched an answered transmission");
            return;
        }

        double Percentile(double p) => windows[Math.Min(windows.Count - 1, (int)Math.Ceiling(p * windows.Count) - 1)];
        var line = $"answer-to-ledger window over {windows.Count} mails: p50 {Percentile(0.50):F1} ms, p99 {Percentile(0.99):F1} ms, max {windows[^1]:F1} ms";
        output.WriteLine(line);
        Console.WriteLine($"BrokerChaosTests: {line}");
    }

    private async Task ChaosAsync(string what, SparkPostFake fake, HashSet<string> mails, Func<Task> action)
    {
        var before = Accepted(fake, mails);
        var started = Now();
        await action();
        output.WriteLine($"{started}–{Now()} {what}: {before} → {Accepted(fake, mails)} of {mails.Count} accepted");
    }

    /// <summary>The senders' own measure of the same window (ESP answer read → ledger commit), from their histograms.</summary>
    private async Task ReportLedgerLagAsync(IReadOnlyList<WorkerProcess> senders)
    {
        const string Metric = "smime_sender_accepted_record_lag_seconds";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var scrapes = new List<string>();
        foreach (var sender in senders)
        {
            scrapes.Add(await http.GetStringAsync(new Uri(sender.BaseAddress, "metrics")));
        }

        var count = scrapes.Sum(s => MetricsScrape.Sum(s, Metric + "_count"));
        var sum = scrapes.Sum(s => MetricsScrape.Sum(s, Metric + "_sum"));
        var bounds = new[] { "0.0005", "0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2", "5", "+Inf" };
        string Quantile(double q) => bounds.First(b => scrapes.Sum(s => MetricsScrape.Sum(s, Metric + "_bucket", $"le=\"{b}\"")) >= q * count);
        var line = count == 0
            ? "the senders recorded no ledger lag"
            : $"senders' own answer-to-commit lag over {count} mails: mean {sum / count * 1000:F1} ms, p50 ≤ {Quantile(0.5)} s, p99 ≤ {Quantile(0.99)} s";
        output.WriteLine(line);
        Console.WriteLine($"BrokerChaosTests: {line}");
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
}
