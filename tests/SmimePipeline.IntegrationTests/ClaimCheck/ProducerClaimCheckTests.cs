using System.Collections.Concurrent;
using System.Security.Cryptography;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Testing;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// Issue 17's producer claim check on the real RabbitMQ and PostgreSQL: a large mail's command waits in
/// <c>smime_protect_claims</c> and only a small <see cref="ProtectCommandClaim"/> travels through <c>smime-protect</c>;
/// the mail is delivered and OpenSSL decrypts and verifies it; its claim is marked consumed and swept after the grace
/// period. A mail below the threshold still travels inline. Hostile references end in <c>smime-protect_error</c> with
/// their reasons; a redelivered reference still finds its claim; a dead-lettered one keeps it for <c>smime dlq requeue</c>.
/// One class, so its tests (which sweep the table) run one after another. The table is the class's own, in a schema of its
/// own (<c>Search Path</c>, as <see cref="ProducerClaimReleaseTests"/>): the sweep with the clock 2 h ahead deletes every
/// consumed claim it sees, and in the shared table that could be another class's (session 19).
/// </summary>
public sealed class ProducerClaimCheckTests : BrokerTest, IAsyncLifetime
{
    private const string ErrorQueue = "smime-protect_error";
    private const int AttachmentBytes = 600_000;
    private readonly string _schema = "claimcheck_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The test PostgreSQL with this class's schema first on the search path: the producer's, the signers' and the sweeper's table.</summary>
    private string Connection => TestServices.PostgresConnectionString + ";Search Path=" + _schema;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        await ExecuteAsync($"CREATE SCHEMA {_schema}");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await ExecuteAsync($"DROP SCHEMA {_schema} CASCADE");
        await DisposeAsync();
    }

    [Fact]
    public async Task A_large_mail_goes_by_claim_a_small_one_inline_both_verify_with_openssl_and_the_claim_is_consumed_then_swept()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        // A signer declares the queues and the table and goes away, so that what the producer sends waits in smime-protect.
        await using (await WorkerHost.StartAsync(Settings("Signer", outbox)))
        {
        }

        var large = LargeStatement(AttachmentBytes);
        var small = OneRecipientMail();
        await using var store = await OpenStoreAsync();
        await PublishWithClaimsAsync(store, large, small);

        var waiting = await VirtualHost.PeekAsync(QueueNames.Protect, 10);
        Assert.Equal(2, waiting.Count);
        var reference = Assert.Single(waiting, m => m.GetProperty("payload").GetString()!.Contains(ProtectClaimId.AddressPrefix, StringComparison.Ordinal));
        Assert.Equal("application/vnd.masstransit+json", reference.GetProperty("properties").GetProperty("content_type").GetString());
        Assert.True(reference.GetProperty("payload_bytes").GetInt32() < 4_096, $"the claim reference is {reference.GetProperty("payload_bytes").GetInt32()} bytes on the queue");
        var inline = Assert.Single(waiting, m => m.GetProperty("properties").GetProperty("content_type").GetString() == "application/vnd.smimepipeline.protect-email; v=1");
        Assert.Equal(small.MailId.ToString("D"), inline.GetProperty("properties").GetProperty("headers").GetProperty("smime-mail-id").GetString());
        var claimId = ClaimIdIn(reference.GetProperty("payload").GetString()!);
        Assert.Null((await store.LoadAsync(claimId, 0, CancellationToken.None))?.Consumed);

        await using (var signer = await WorkerHost.StartAsync(Settings("Signer", outbox)))
        await using (await WorkerHost.StartAsync(Settings("Sender", outbox)))
        {
            await AssertDeliveredAndReadableAsync(outbox, large, TimeSpan.FromSeconds(120), "the large mail sent by claim was not delivered");
            await AssertDeliveredAndReadableAsync(outbox, small, TimeSpan.FromSeconds(120), "the small mail sent inline was not delivered");
            Assert.True(new FileInfo(Path.Combine(outbox, $"{large.MailId:N}.eml")).Length > AttachmentBytes, "the large mail arrived without its attachment");
            await Eventually.HoldsAsync(
                async () => (await store.LoadAsync(claimId, 0, CancellationToken.None))?.Consumed is not null,
                TimeSpan.FromSeconds(60),
                () => "the delivered mail's claim was not marked consumed");
            Assert.Equal(0, signer.Telemetry.FailedTotal);
        }

        // Kept through the grace period (a redelivery still finds it), deleted after it.
        await Sweeper(store, TimeSpan.FromMinutes(30)).SweepOnceAsync(CancellationToken.None);
        Assert.NotNull(await store.LoadAsync(claimId, 0, CancellationToken.None));
        Assert.True(await Sweeper(store, TimeSpan.FromHours(2)).SweepOnceAsync(CancellationToken.None) >= 1);
        Assert.Null(await store.LoadAsync(claimId, 0, CancellationToken.None));
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(ErrorQueue));
    }

    [Fact]
    public async Task Hostile_references_end_in_the_error_queue_with_their_reasons_and_events_and_nothing_is_delivered()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var store = await OpenStoreAsync();
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        var failed = new ConcurrentBag<EmailDeliveryFailed>();
        var listener = await ListenForFailuresAsync(failed);
        try
        {
            var cases = new List<(string What, ProtectCommandClaim Reference, string Code, ProtectClaimId? Kept)>();
            async Task AddAsync(string what, Func<ProtectCommandClaim, ProtectCommandClaim> alter, string code)
            {
                var (reference, id) = await StoreAsync(store, LargeStatement(AttachmentBytes));
                cases.Add((what, alter(reference), code, id));
            }

            // Each case has a claim (and so a mail id) of its own, so that its event can be told apart.
            await AddAsync("malformed id", r => r with { ClaimAddress = "urn:smime-protect-claim:../../../etc/passwd" }, "claim-refused");
            await AddAsync("unknown id", r => r with { ClaimAddress = ProtectClaimId.NewId().Address }, "claim-missing");
            await AddAsync("wrong length", r => r with { Length = r.Length + 1 }, "claim-refused");
            await AddAsync("wrong digest", r => r with { Sha256 = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(r.Length))) }, "claim-refused");
            await AddAsync("another mail's claim", r => r with { MailId = Guid.NewGuid() }, "claim-refused");
            await AddAsync("oversize", r => r with { Length = 2_000_000_000 }, "message-too-large");

            await SendAsync(QueueNames.Protect, [.. cases.Select(c => c.Reference)]);

            await Eventually.HoldsAsync(
                async () => failed.Count >= cases.Count && await VirtualHost.CountMessagesAsync(ErrorQueue) == cases.Count,
                TimeSpan.FromSeconds(120),
                () => $"{failed.Count} of {cases.Count} refusals announced");
            var dead = await VirtualHost.PeekAsync(ErrorQueue, 20);
            foreach (var (what, reference, code, kept) in cases)
            {
                var reported = Assert.Single(failed, f => f.MailId == reference.MailId);
                Assert.True(code == reported.ReasonCode, $"{what}: reported {reported.ReasonCode}: {reported.Reason}");
                Assert.Equal(FailureStage.Protect, reported.Stage);
                Assert.Single(dead, m =>
                    m.GetProperty("payload").GetString()!.Contains(reference.MailId.ToString("D"), StringComparison.Ordinal)
                    && m.GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!.StartsWith(code + ":", StringComparison.Ordinal));
                Assert.False(File.Exists(Path.Combine(outbox, $"{reference.MailId:N}.eml")), $"{what}: delivered");

                // A refused mail's claim stays, unconsumed, for smime dlq requeue (or the retention sweep).
                var stored = await store.LoadAsync(kept!.Value, 0, CancellationToken.None);
                Assert.NotNull(stored);
                Assert.Null(stored.Consumed);
            }

            Assert.Equal(0, signer.Telemetry.ProtectedTotal);
            Assert.Equal(cases.Count, signer.Telemetry.FailedTotal);
        }
        finally
        {
            await listener.StopAsync();
        }
    }

    [Fact]
    public async Task A_reference_redelivered_after_its_mail_was_protected_finds_its_consumed_claim_and_is_acknowledged_without_protecting_again()
    {
        // What RabbitMQ redelivers when a signer dies after the DeliverEmail was confirmed and the claim marked consumed,
        // and before its ack: the same reference again. The consumed claim keeps its preamble and digest only (its content
        // is released when it is consumed); the redelivery is recognised and acknowledged, nothing is protected or sent
        // twice, and nothing fails.
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var store = await OpenStoreAsync();
        var logs = new RecordingLoggerProvider();
        // The handed-on line is at Information; WorkerHost keeps Warning and above otherwise.
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox), builder => builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox));
        var mail = LargeStatement(AttachmentBytes);
        var (reference, id) = await StoreAsync(store, mail);

        await SendAsync(QueueNames.Protect, reference);
        await AssertDeliveredAndReadableAsync(outbox, mail, TimeSpan.FromSeconds(120), "the mail was not delivered");
        await Eventually.HoldsAsync(
            async () => (await store.LoadAsync(id, long.MaxValue, CancellationToken.None))?.Consumed is not null,
            TimeSpan.FromSeconds(60),
            () => "the claim was not marked consumed");
        var consumed = await store.LoadAsync(id, long.MaxValue, CancellationToken.None);
        Assert.NotNull(consumed);
        Assert.Equal(ProtectClaimContent.FixedPreambleBytes, consumed.Length);
        Assert.Equal(mail.MailId, ProtectClaimContent.MailIdOf(consumed.Content));

        await SendAsync(QueueNames.Protect, reference);
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(QueueNames.Protect) == 0 && logs.Lines.Any(l => l.Contains(mail.MailId.ToString(), StringComparison.Ordinal) && l.Contains("acknowledged without protecting it again", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(120),
            () => $"the redelivered reference was not acknowledged as handed on (protected {signer.Telemetry.ProtectedTotal}, failed {signer.Telemetry.FailedTotal}); the signer's lines about the mail:\n" +
                string.Join('\n', logs.Lines.Where(l => l.Contains(mail.MailId.ToString(), StringComparison.Ordinal) || l.Contains(id.ToString(), StringComparison.Ordinal))));
        Assert.Equal(1, signer.Telemetry.ProtectedTotal);
        Assert.Equal(0, signer.Telemetry.FailedTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(ErrorQueue));
        Assert.Single(Directory.GetFiles(outbox, $"{mail.MailId:N}*"));
    }

    [Fact]
    public async Task A_claim_refused_for_a_missing_store_stays_and_dlq_requeue_delivers_it_once_the_store_is_configured()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var store = await OpenStoreAsync();
        var mail = LargeStatement(AttachmentBytes);
        var (reference, id) = await StoreAsync(store, mail);

        // A signer without SmimePipeline:ProducerClaims: the reference is refused, naming the setting; the claim stays.
        await using (var misconfigured = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox)))
        {
            await SendAsync(QueueNames.Protect, reference);
            await Eventually.HoldsAsync(
                async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == 1,
                TimeSpan.FromSeconds(120),
                () => "the reference did not reach smime-protect_error");
        }

        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith("claim-refused:", fault, StringComparison.Ordinal);
        Assert.Contains("SmimePipeline:ProducerClaims:PostgresConnectionString", fault, StringComparison.Ordinal);
        Assert.NotNull(await store.LoadAsync(id, 0, CancellationToken.None));

        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox));
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", "--queue", ErrorQueue, "--all", "--reason", "claim-refused", "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await AssertDeliveredAndReadableAsync(outbox, mail, TimeSpan.FromSeconds(120), "the requeued mail was not delivered");
    }

    /// <summary>The store as a producer opens it, with the table the signers create at start (a test may store before any signer ran).</summary>
    private async Task<PostgresProtectClaimStore> OpenStoreAsync()
    {
        var store = new PostgresProtectClaimStore(Connection);
        await store.EnsureSchemaAsync(CancellationToken.None);
        return store;
    }

    private Dictionary<string, string?> Settings(string role, string outbox) =>
        WorkerSettings(role, outbox, ("SmimePipeline:ProducerClaims:PostgresConnectionString", role == "Signer" ? Connection : null));

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(TestServices.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task PublishWithClaimsAsync(PostgresProtectClaimStore store, params ProtectEmail[] mails)
    {
        var bus = await StartProducerAsync();
        try
        {
            var publisher = new SmimeMailPublisher(bus, Options.Create(new SmimePipelineClientOptions()), largeMailLane: false, store, TimeProvider.System);
            foreach (var mail in mails)
            {
                await publisher.ProtectAsync(mail);
            }
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    private static async Task<(ProtectCommandClaim Reference, ProtectClaimId Id)> StoreAsync(PostgresProtectClaimStore store, ProtectEmail mail)
    {
        var content = ProtectClaimContent.Write(mail);
        var id = ProtectClaimId.NewId();
        var digest = SHA256.HashData(content);
        await store.PutAsync(id, content, digest, DateTimeOffset.UtcNow, CancellationToken.None);
        return (new ProtectCommandClaim { MailId = mail.MailId, ClaimAddress = id.Address, Length = content.LongLength, Sha256 = Convert.ToHexStringLower(digest) }, id);
    }

    private static ProtectClaimId ClaimIdIn(string payload)
    {
        var at = payload.IndexOf(ProtectClaimId.AddressPrefix, StringComparison.Ordinal);
        Assert.True(ProtectClaimId.TryParse(payload.Substring(at, ProtectClaimId.AddressPrefix.Length + 32), out var id, out var problem), problem);
        return id;
    }

    private static ProducerClaimSweeper Sweeper(PostgresProtectClaimStore store, TimeSpan ahead) => new(
        store,
        Options.Create(new ProducerClaimOptions()),
        new ShiftedTime(ahead),
        new SmimeTelemetry(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
        NullLogger<ProducerClaimSweeper>.Instance);

    private async Task<IBusControl> ListenForFailuresAsync(ConcurrentBag<EmailDeliveryFailed> failed)
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint("test-producer-claim-events", e => e.Handler<EmailDeliveryFailed>(context =>
            {
                failed.Add(context.Message);
                return Task.CompletedTask;
            }));
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        return bus;
    }

    /// <summary>The system clock moved <paramref name="ahead"/> into the future, so a sweep sees claims as that much older.</summary>
    private sealed class ShiftedTime(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }
}
