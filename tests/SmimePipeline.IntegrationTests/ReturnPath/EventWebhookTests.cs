using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.IntegrationTests.ReturnPath;

/// <summary>
/// Each mail's fate: a mail goes out through the SparkPost fake, which then posts delivery and bounce batches
/// as SparkPost documents them to a webhooks worker process, twice with the same batch id.
/// </summary>
public sealed class EventWebhookTests : IAsyncLifetime, IDisposable
{
    private const string UserName = "sparkpost";
    private const string Password = "events-password-0123456789";
    private readonly TempDirectory _temp = new();
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Delivery_and_bounce_batches_posted_twice_are_recorded_and_published_once_per_recipient()
    {
        const string alice = "alice@customer.example";
        const string bob = "bob@customer.example";
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings());

        var passwordFile = Path.Combine(_temp.Path, "events-password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        await using var webhooks = await WorkerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Webhooks",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = _rig.VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Webhooks:EventsUserName"] = UserName,
            ["SmimePipeline:Webhooks:EventsPasswordFile"] = passwordFile,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = _rig.LedgerPath,
        }, _temp.Path);

        // A producer's consumer of the new events: one at a time, so that a later event proves earlier ones arrived.
        var delivered = new ConcurrentBag<EmailRecipientDelivered>();
        var bounced = new ConcurrentBag<EmailRecipientBounced>();
        var complained = new ConcurrentBag<EmailRecipientComplained>();
        var consumer = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(_rig.VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint("test-recipient-fates", e =>
            {
                e.PrefetchCount = 1;
                e.ConcurrentMessageLimit = 1;
                e.Handler<EmailRecipientDelivered>(c => { delivered.Add(c.Message); return Task.CompletedTask; });
                e.Handler<EmailRecipientBounced>(c => { bounced.Add(c.Message); return Task.CompletedTask; });
                e.Handler<EmailRecipientComplained>(c => { complained.Add(c.Message); return Task.CompletedTask; });
            });
        });
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await consumer.StartAsync(timeout.Token);
        }

        try
        {
            await _rig.StartProducerAsync();
            var mail = DeliveryRig.Mail() with { EnvelopeTo = [alice, bob] };
            await _rig.SendAsync([mail]);
            await Eventually.HoldsAsync(
                () => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(mail.MailId.ToString("D"))),
                TimeSpan.FromSeconds(90),
                () => "the fake SparkPost did not accept the mail");
            var transmission = _rig.Fake.Requests.Single(r => r.Status == 200 && r.MailId == mail.MailId.ToString("D"));

            var target = new Uri(webhooks.BaseAddress, "webhooks/sparkpost/events");
            var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}")));
            var at = DateTimeOffset.UtcNow.AddSeconds(-30);
            var batch = EventBatch.Create(
                EventBatch.Delivery(transmission, alice, at),
                EventBatch.Bounce(transmission, bob, at.AddSeconds(1), 10, "550 5.1.1 <bob@customer.example>: Recipient address rejected: User unknown"),
                EventBatch.Open(transmission, alice, at.AddSeconds(2)));

            var wrong = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:not-the-password")));
            Assert.Equal(HttpStatusCode.Unauthorized, (await SparkPostFake.PostEventBatchAsync(target, "batch-1", wrong, batch)).StatusCode);
            var first = await SparkPostFake.PostEventBatchAsync(target, "batch-1", basic, batch);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var retry = await SparkPostFake.PostEventBatchAsync(target, "batch-1", basic, batch);
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);

            // A later batch as the sentinel: once its event is consumed, everything published before it was too.
            var later = await SparkPostFake.PostEventBatchAsync(target, "batch-2", basic, EventBatch.Create(EventBatch.SpamComplaint(transmission, alice, at.AddSeconds(60))));
            Assert.Equal(HttpStatusCode.OK, later.StatusCode);
            await Eventually.HoldsAsync(() => Task.FromResult(!complained.IsEmpty), TimeSpan.FromSeconds(60), () => "the complaint never reached the consumer");

            var delivery = Assert.Single(delivered);
            Assert.Equal((mail.MailId, alice, transmission.TransmissionId), (delivery.MailId, delivery.Recipient, delivery.ProviderMessageId));
            var bounce = Assert.Single(bounced);
            Assert.Equal((mail.MailId, bob, 10, true), (bounce.MailId, bounce.Recipient, bounce.BounceClass, bounce.Hard));
            Assert.Contains("User unknown", bounce.RemoteAnswer, StringComparison.Ordinal);
            Assert.Single(complained);

            // The ledger tells the story once per event.
            var ledger = new SqliteRecipientFateLedger(_rig.LedgerPath);
            var story = await ledger.ListAsync(mail.MailId, CancellationToken.None);
            Assert.Equal(
                [(alice, RecipientFateKind.Delivered), (bob, RecipientFateKind.Bounced), (alice, RecipientFateKind.Complained)],
                story.Select(f => (f.Recipient, f.Kind)).ToArray());
            var bounceRow = story[1];
            Assert.Equal((10, true, transmission.TransmissionId), (bounceRow.BounceClass, bounceRow.Hard, bounceRow.ProviderMessageId));
            Assert.Single(await ledger.ListAsync(RecipientFateKind.Bounced, at.AddMinutes(-1), 100, CancellationToken.None));

            // The operator's view: `smime mail show` tells the same story, once.
            var shown = await SmimeCli.RunAsync(["mail", "show", mail.MailId.ToString("D"), "--ledger", _rig.LedgerPath]);
            Assert.True(shown.ExitCode == 0, shown.Stderr);
            var lines = shown.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines, l => l.Contains($"accepted by sparkpost as {transmission.TransmissionId}", StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains($"{alice}: delivered", StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains($"{bob}: bounced, hard, class 10 (bounce): 550 5.1.1", StringComparison.Ordinal));
            var listed = await SmimeCli.RunAsync(["mail", "list", "--status", "bounced", "--since", "24h", "--json", "--ledger", _rig.LedgerPath]);
            Assert.True(listed.ExitCode == 0, listed.Stderr);
            using (var document = System.Text.Json.JsonDocument.Parse(listed.Stdout))
            {
                var row = Assert.Single(document.RootElement.EnumerateArray());
                Assert.Equal(bob, row.GetProperty("recipient").GetString());
                Assert.Equal(10, row.GetProperty("bounceClass").GetInt32());
            }

            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_events_total", "type", "delivery"));
            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_events_total", "type", "bounce"));
            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_bounces_total", "class", "10"));
            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "duplicate-batch"));
            Assert.DoesNotContain(Password, webhooks.Output, StringComparison.Ordinal);
        }
        finally
        {
            await consumer.StopAsync();
        }
    }

    [Fact]
    public async Task A_webhook_process_killed_while_a_batch_is_in_flight_loses_nothing_and_counts_nothing_twice()
    {
        const string carol = "carol@customer.example";
        await using var scenario = await StartBounceScenarioAsync(carol, "test-recipient-fates-crash");
        var (settings, bounced, mail, transmission, ledger) = (scenario.Settings, scenario.Bounced, scenario.Mail, scenario.Transmission, scenario.Ledger);
        var batch = EventBatch.Create(EventBatch.Bounce(transmission, carol, DateTimeOffset.UtcNow.AddSeconds(-5), 21, "450 4.4.4 DNS lookup failed"));

        // Hold the ledger's write lock: the webhook receives the batch, then waits on its first write.
        await using (var blocker = await LockLedgerAsync())
        {
            var doomed = await WorkerProcess.StartAsync(settings, _temp.Path);
            var inFlight = SparkPostFake.PostEventBatchAsync(new Uri(doomed.BaseAddress, "webhooks/sparkpost/events"), "batch-crash", Basic, batch);
            await Eventually.HoldsAsync(
                () => Task.FromResult(doomed.Output.Contains("received batch batch-crash", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(60),
                () => $"the webhook never received the batch:\n{doomed.Output}");
            await doomed.KillAsync();
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => inFlight);
            await doomed.DisposeAsync();
            await UnlockLedgerAsync(blocker);
        }

        // SparkPost got no 2xx, so it retries the same batch: a new process takes it, once.
        await using var webhooks = await WorkerProcess.StartAsync(settings, _temp.Path);
        var target = new Uri(webhooks.BaseAddress, "webhooks/sparkpost/events");
        Assert.Equal(HttpStatusCode.OK, (await SparkPostFake.PostEventBatchAsync(target, "batch-crash", Basic, batch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SparkPostFake.PostEventBatchAsync(target, "batch-crash", Basic, batch)).StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(!bounced.IsEmpty), TimeSpan.FromSeconds(60), () => "the bounce never reached the consumer");

        var story = await ledger.ListAsync(mail.MailId, CancellationToken.None);
        var fate = Assert.Single(story);
        Assert.Equal((carol, RecipientFateKind.Bounced, 21, false), (fate.Recipient, fate.Kind, fate.BounceClass, fate.Hard));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_events_total", "type", "bounce"));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "duplicate-batch"));
        var bounce = Assert.Single(bounced);
        Assert.False(bounce.Hard);
    }

    [Fact]
    public async Task A_batch_the_ledger_holds_up_is_answered_503_inside_SparkPosts_10_s_and_its_retry_is_counted_once()
    {
        // Session 23: with Webhooks:HandOverTimeout at 30 s, and a request that waited for SQLite on its own thread, the
        // answer came when the ledger let go; SparkPost stops listening after 10 s and counts the batch failed.
        const string dave = "dave@customer.example";
        await using var scenario = await StartBounceScenarioAsync(dave, "test-recipient-fates-deadline"); // Webhooks:HandOverTimeout as shipped
        var (settings, bounced, mail, transmission, ledger) = (scenario.Settings, scenario.Bounced, scenario.Mail, scenario.Transmission, scenario.Ledger);
        var batch = EventBatch.Create(EventBatch.Bounce(transmission, dave, DateTimeOffset.UtcNow.AddSeconds(-5), 10, "550 5.1.1 <dave@customer.example>: User unknown"));
        await using var webhooks = await WorkerProcess.StartAsync(settings, _temp.Path);
        var target = new Uri(webhooks.BaseAddress, "webhooks/sparkpost/events");

        // The ledger held past SparkPost's 10 s: a client that waits as long as SparkPost must read a 503.
        await using (var blocker = await LockLedgerAsync())
        {
            var clock = Stopwatch.StartNew();
            using var first = await SparkPostFake.PostEventBatchAsync(target, "batch-slow", Basic, batch, SparkPostFake.WebhookTimeout);
            clock.Stop();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
            Assert.True(clock.Elapsed < SparkPostFake.WebhookTimeout, $"answered after {clock.Elapsed}");
            Assert.Equal(TimeSpan.FromSeconds(30), first.Headers.RetryAfter?.Delta);
            await UnlockLedgerAsync(blocker);
        }

        // The hand-over left running at the deadline ends on its own, and says how.
        await Eventually.HoldsAsync(
            () => Task.FromResult(webhooks.Output.Contains("ended afterwards", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60),
            () => $"the hand-over left running never ended:\n{webhooks.Output}");

        // SparkPost retries the batch: taken once, and once more answered from the ledger.
        Assert.Equal(HttpStatusCode.OK, (await SparkPostFake.PostEventBatchAsync(target, "batch-slow", Basic, batch)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SparkPostFake.PostEventBatchAsync(target, "batch-slow", Basic, batch)).StatusCode);
        await Eventually.HoldsAsync(() => Task.FromResult(!bounced.IsEmpty), TimeSpan.FromSeconds(60), () => "the bounce never reached the consumer");

        var fate = Assert.Single(await ledger.ListAsync(mail.MailId, CancellationToken.None));
        Assert.Equal((dave, RecipientFateKind.Bounced, 10, true), (fate.Recipient, fate.Kind, fate.BounceClass, fate.Hard));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_events_total", "type", "bounce"));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_bounces_total", "class", "10"));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_refusals_total", "reason", "hand-over-timeout"));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "duplicate-batch"));
        Assert.Contains("did not hand a batch over within 00:00:08", webhooks.Output, StringComparison.Ordinal);
        Assert.Single(bounced);
    }

    // What each bounce test starts from: a sender, a webhooks process's settings, a producer's consumer of bounces, one mail
    // to recipient accepted by the SparkPost fake, and the fate ledger, empty for that mail.
    private async Task<BounceScenario> StartBounceScenarioAsync(string recipient, string queue)
    {
        var sender = await WorkerHost.StartAsync(_rig.SenderSettings());
        var bounced = new ConcurrentBag<EmailRecipientBounced>();
        IBusControl? consumer = null;
        try
        {
            var settings = await WebhooksSettingsAsync();
            consumer = await StartBounceConsumerAsync(queue, bounced);
            var (mail, transmission) = await SendAcceptedMailAsync(recipient);
            var ledger = new SqliteRecipientFateLedger(_rig.LedgerPath);
            Assert.Empty(await ledger.ListAsync(mail.MailId, CancellationToken.None));
            return new BounceScenario(sender, consumer, settings, bounced, mail, transmission, ledger);
        }
        catch
        {
            await (consumer?.StopAsync() ?? Task.CompletedTask);
            await sender.DisposeAsync();
            throw;
        }
    }

    private static AuthenticationHeaderValue Basic => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}")));

    // A webhooks process serving the event webhook (Basic authentication) on the rig's broker and ledger.
    private async Task<Dictionary<string, string?>> WebhooksSettingsAsync()
    {
        var passwordFile = Path.Combine(_temp.Path, "events-password");
        await File.WriteAllTextAsync(passwordFile, Password + "\n");
        return new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Webhooks",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = _rig.VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Webhooks:EventsUserName"] = UserName,
            ["SmimePipeline:Webhooks:EventsPasswordFile"] = passwordFile,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = _rig.LedgerPath,
        };
    }

    // A producer's consumer of EmailRecipientBounced on a queue of its own.
    private async Task<IBusControl> StartBounceConsumerAsync(string queue, ConcurrentBag<EmailRecipientBounced> bounced)
    {
        var consumer = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(_rig.VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint(queue, e => e.Handler<EmailRecipientBounced>(c => { bounced.Add(c.Message); return Task.CompletedTask; }));
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await consumer.StartAsync(timeout.Token);
        return consumer;
    }

    // One mail to recipient, sent through the SparkPost fake, and the transmission the fake accepted.
    private async Task<(DeliverEmail Mail, RecordedTransmission Transmission)> SendAcceptedMailAsync(string recipient)
    {
        await _rig.StartProducerAsync();
        var mail = DeliveryRig.Mail(recipient);
        await _rig.SendAsync([mail]);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(mail.MailId.ToString("D"))),
            TimeSpan.FromSeconds(90),
            () => "the fake SparkPost did not accept the mail");
        return (mail, _rig.Fake.Requests.Single(r => r.Status == 200 && r.MailId == mail.MailId.ToString("D")));
    }

    // Takes the ledger's write lock, as a slow or busy ledger holds it: the webhook's first write waits.
    private async Task<Microsoft.Data.Sqlite.SqliteConnection> LockLedgerAsync()
    {
        var blocker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_rig.LedgerPath}");
        await blocker.OpenAsync();
        await using var begin = blocker.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        await begin.ExecuteNonQueryAsync();
        return blocker;
    }

    private static async Task UnlockLedgerAsync(Microsoft.Data.Sqlite.SqliteConnection blocker)
    {
        await using var rollback = blocker.CreateCommand();
        rollback.CommandText = "ROLLBACK";
        await rollback.ExecuteNonQueryAsync();
    }

    private sealed record BounceScenario(
        WorkerHost Sender,
        IBusControl Consumer,
        Dictionary<string, string?> Settings,
        ConcurrentBag<EmailRecipientBounced> Bounced,
        DeliverEmail Mail,
        RecordedTransmission Transmission,
        SqliteRecipientFateLedger Ledger) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Consumer.StopAsync();
            await Sender.DisposeAsync();
        }
    }
}
