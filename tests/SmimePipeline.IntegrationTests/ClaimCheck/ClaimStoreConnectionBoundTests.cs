using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Messaging.ProducerClaims;
using Xunit.Abstractions;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// Issue 17, target 2's bench lost runs to PostgreSQL 53300 ("remaining connection slots are reserved") in the
/// producer's claim store. On a PostgreSQL of the test's own with <c>max_connections</c> 20 (17 for non-superusers),
/// real RabbitMQ and the in-process signer and sender: a burst through a pool sized like before (Npgsql's 100) meets
/// 53300 and the producer is told the server and SQLSTATE, never the mail; the same burst, and two producers and a
/// signer that falls behind, within the default bounds, complete without it; a signer whose PostgreSQL has no free slot
/// or is down waits and delivers once it answers; and one that stays down past the wait dead-letters the mail with its
/// reason, its claim kept for <c>smime dlq requeue</c>.
/// </summary>
public sealed class ClaimStoreConnectionBoundTests(ITestOutputHelper output) : BrokerTest
{
    private const string ErrorQueue = "smime-protect_error";
    private const int MaxConnections = 20;
    private const int AttachmentBytes = 300_000;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_pool_sized_like_before_exhausts_the_server_and_the_producer_is_told_the_server_and_SQLSTATE_without_the_mail()
    {
        await using var postgres = await PrivatePostgres.StartAsync(MaxConnections);
        await using (var schema = new PostgresProtectClaimStore(postgres.ConnectionString))
        {
            await schema.EnsureSchemaAsync(CancellationToken.None);
        }

        const string Marker = "BODY-BYTES-must-not-leak-5c1f";
        var content = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(Marker, 1_000_000 / Marker.Length)));
        var digest = SHA256.HashData(content);
        const int Burst = 40;

        // Npgsql's default pool of 100, which every claim store had before the bound.
        await using (var unbounded = new PostgresProtectClaimStore(postgres.ConnectionString, maxConnections: 100))
        {
            var outcomes = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => TryPutAsync(unbounded, content, digest)));
            var refused = outcomes.OfType<ProtectClaimStoreException>().ToList();
            Assert.True(refused.Count > 0, $"{Burst} concurrent claims through a pool of 100 against {postgres.NonSuperuserSlots} slots all succeeded");
            var slotsFull = refused.First(e => e.SqlState == "53300");
            output.WriteLine($"pool of 100, {Burst} concurrent 1 MB claims, {postgres.NonSuperuserSlots} slots: {refused.Count} refused ({refused.Count(e => e.SqlState == "53300")} with 53300); e.g. {slotsFull.Message}");
            Assert.True(slotsFull.IsTransient);
            Assert.Contains($"127.0.0.1:{postgres.Port}/{PrivatePostgres.Role}", slotsFull.Message, StringComparison.Ordinal);
            Assert.Contains("SQLSTATE 53300", slotsFull.Message, StringComparison.Ordinal);
            Assert.Contains("at most 100 connections", slotsFull.Message, StringComparison.Ordinal);
            foreach (var e in refused)
            {
                Assert.DoesNotContain(Marker, e.ToString(), StringComparison.Ordinal);
                Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(postgres.ConnectionString).Password!, e.ToString(), StringComparison.Ordinal);
            }
        }

        // The same burst within the producer's default bound: every claim is stored, the callers beyond it wait.
        await using var bounded = new PostgresProtectClaimStore(postgres.ConnectionString, new SmimePipelineClientOptions().ClaimStoreMaxConnections);
        var within = await Task.WhenAll(Enumerable.Range(0, Burst).Select(_ => TryPutAsync(bounded, content, digest)));
        Assert.All(within, e => Assert.True(e is null, e?.Message));
    }

    [Fact]
    public async Task Two_producers_and_a_signer_that_falls_behind_stay_within_their_bounds_and_every_mail_is_delivered_without_53300()
    {
        await using var postgres = await PrivatePostgres.StartAsync(MaxConnections);
        var outbox = Path.Combine(Temp.Path, "outbox");
        // One protect slot: the signer falls behind, so that its claim reads overlap the producers' writes.
        await using var signer = await WorkerHost.StartAsync(SignerSettings(postgres, outbox, ("SmimePipeline:Signer:Concurrency", "1")));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var client = new SmimePipelineClientOptions();
        await using var first = new PostgresProtectClaimStore(postgres.ConnectionString, client.ClaimStoreMaxConnections);
        await using var second = new PostgresProtectClaimStore(postgres.ConnectionString, client.ClaimStoreMaxConnections);
        int bound = (2 * client.ClaimStoreMaxConnections) + signer.Services.GetRequiredService<IOptions<Worker.Configuration.ProducerClaimOptions>>().Value.MaxConnections;
        Assert.True(bound <= postgres.NonSuperuserSlots, "the default bounds of two producers and a signer fit a server of 20 connections");

        var mails = Enumerable.Range(0, 40).Select(_ => LargeStatement(AttachmentBytes)).ToArray();
        using var sampling = new CancellationTokenSource();
        var sessions = new ConcurrentBag<int>();
        var sampler = SampleSessionsAsync(postgres, sessions, sampling.Token);
        var bus = await StartProducerAsync();
        try
        {
            var publishers = new[] { first, second }.Select(store => new SmimeMailPublisher(bus, Options.Create(client), largeMailLane: false, store, TimeProvider.System)).ToArray();
            // Every publish at once: each producer's calls beyond its bound wait for one of its connections.
            await Task.WhenAll(mails.Select((mail, i) => publishers[i % 2].ProtectAsync(mail)));
        }
        finally
        {
            await bus.StopAsync();
        }

        foreach (var mail in mails)
        {
            await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(Path.Combine(outbox, $"{mail.MailId:N}.eml"))), Generous, () => $"mail {mail.MailId} was not delivered; server log:\n{postgres.Log}");
        }

        await AssertDeliveredAndReadableAsync(outbox, mails[0], Generous, "the first mail was not delivered");
        await AssertDeliveredAndReadableAsync(outbox, mails[^1], Generous, "the last mail was not delivered");
        await sampling.CancelAsync();
        await sampler;
        output.WriteLine($"two producers (bound {client.ClaimStoreMaxConnections} each) and a one-slot signer, {mails.Length} concurrent large mails: at most {sessions.Max()} sessions in {sessions.Count} samples (bound {bound}, slots {postgres.NonSuperuserSlots})");
        Assert.True(sessions.Max() <= bound, $"the claim check held {sessions.Max()} sessions, above its bound of {bound}");
        Assert.DoesNotContain("too many clients", postgres.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("remaining connection slots are reserved", postgres.Log, StringComparison.Ordinal);
        Assert.Equal(0, signer.Telemetry.FailedTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(ErrorQueue));
    }

    [Fact]
    public async Task A_signer_whose_PostgreSQL_has_no_free_slot_or_is_down_waits_and_delivers_once_it_answers()
    {
        await using var postgres = await PrivatePostgres.StartAsync(MaxConnections);
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(SignerSettings(postgres, outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var (slotsFull, down) = (LargeStatement(AttachmentBytes), LargeStatement(AttachmentBytes));
        var (slotsFullReference, downReference) = (await StoreAsync(postgres, slotsFull), await StoreAsync(postgres, down));
        using var retries = new StoreRetries();

        // Every slot taken by someone else (what the bench met): the signer's reads are refused with 53300.
        await postgres.TerminateSessionsOfRoleAsync();
        var held = await HoldEverySlotAsync(postgres);
        try
        {
            await SendAsync(QueueNames.Protect, slotsFullReference);
            await Eventually.HoldsAsync(() => Task.FromResult(retries.Of("53300") >= 2), Generous, () => $"the signer did not wait for the full server ({retries})");
            Assert.False(File.Exists(Path.Combine(outbox, $"{slotsFull.MailId:N}.eml")));
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }

        await AssertDeliveredAndReadableAsync(outbox, slotsFull, Generous, "the mail was not delivered once slots were free");

        // The server down (a restart, a fail-over): the signer waits until it is back.
        await postgres.StopAsync();
        int before = retries.Total;
        await SendAsync(QueueNames.Protect, downReference);
        await Eventually.HoldsAsync(() => Task.FromResult(retries.Total >= before + 2), Generous, () => $"the signer did not wait for the stopped server ({retries})");
        await postgres.StartAgainAsync();
        await AssertDeliveredAndReadableAsync(outbox, down, Generous, "the mail was not delivered once the server was back");

        Assert.Equal(0, signer.Telemetry.FailedTotal);
        Assert.Equal(2, signer.Telemetry.ProtectedTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(ErrorQueue));
    }

    [Fact]
    public async Task A_signer_whose_PostgreSQL_stays_down_past_the_wait_dead_letters_with_the_reason_and_requeue_delivers_it_later()
    {
        await using var postgres = await PrivatePostgres.StartAsync(MaxConnections);
        var outbox = Path.Combine(Temp.Path, "outbox");
        var mail = LargeStatement(AttachmentBytes);
        var reference = await StoreAsync(postgres, mail);
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-claim-store-events");
        var failed = events.Failed;
        await using (var signer = await WorkerHost.StartAsync(SignerSettings(postgres, outbox, ("SmimePipeline:ProducerClaims:UnavailableRetryPeriod", "00:00:03"))))
        {
            await postgres.StopAsync();
            await SendAsync(QueueNames.Protect, reference);
            await Eventually.HoldsAsync(
                async () => failed.Any(f => f.MailId == mail.MailId) && await VirtualHost.CountMessagesAsync(ErrorQueue) == 1,
                Generous,
                () => "the reference did not reach smime-protect_error with its event");
            Assert.Equal(1, signer.Telemetry.FailedTotal);
        }

        var reported = Assert.Single(failed, f => f.MailId == mail.MailId);
        Assert.Equal("claim-store-unavailable", reported.ReasonCode);
        Assert.Equal(FailureStage.Protect, reported.Stage);
        Assert.Contains($"127.0.0.1:{postgres.Port}/{PrivatePostgres.Role}", reported.Reason, StringComparison.Ordinal);
        Assert.Contains("still failing after", reported.Reason, StringComparison.Ordinal);
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith("claim-store-unavailable:", fault, StringComparison.Ordinal);

        // Nothing is lost: the claim waited in PostgreSQL, and the requeued reference is delivered.
        await postgres.StartAgainAsync();
        await using var again = await WorkerHost.StartAsync(SignerSettings(postgres, outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", "--queue", ErrorQueue, "--all", "--reason", "claim-store-unavailable", "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await AssertDeliveredAndReadableAsync(outbox, mail, Generous, "the requeued mail was not delivered");
    }

    private Dictionary<string, string?> SignerSettings(PrivatePostgres postgres, string outbox, params (string Key, string? Value)[] more) =>
        WorkerSettings("Signer", outbox, [("SmimePipeline:ProducerClaims:PostgresConnectionString", postgres.ConnectionString), .. more]);

    /// <summary>Stores <paramref name="mail"/> as a producer would (the table created first, as a signer does) and returns its reference.</summary>
    private static async Task<ProtectCommandClaim> StoreAsync(PrivatePostgres postgres, ProtectEmail mail)
    {
        await using var store = new PostgresProtectClaimStore(postgres.ConnectionString, maxConnections: 1);
        await store.EnsureSchemaAsync(CancellationToken.None);
        var content = ProtectClaimContent.Write(mail);
        var id = ProtectClaimId.NewId();
        var digest = SHA256.HashData(content);
        await store.PutAsync(id, content, digest, DateTimeOffset.UtcNow, CancellationToken.None);
        return new ProtectCommandClaim { MailId = mail.MailId, ClaimAddress = id.Address, Length = content.LongLength, Sha256 = Convert.ToHexStringLower(digest) };
    }

    private static async Task<ProtectClaimStoreException?> TryPutAsync(PostgresProtectClaimStore store, byte[] content, byte[] digest)
    {
        try
        {
            await store.PutAsync(ProtectClaimId.NewId(), content, digest, DateTimeOffset.UtcNow, CancellationToken.None);
            return null;
        }
        catch (ProtectClaimStoreException e)
        {
            return e;
        }
    }

    /// <summary>Opens sessions of the test role until the server refuses one with 53300, and returns those it opened.</summary>
    private static async Task<List<NpgsqlConnection>> HoldEverySlotAsync(PrivatePostgres postgres)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Pooling = false }.ConnectionString;
        var held = new List<NpgsqlConnection>();
        while (held.Count <= MaxConnections)
        {
            var connection = new NpgsqlConnection(unpooled);
            try
            {
                await connection.OpenAsync();
                held.Add(connection);
            }
            catch (PostgresException e) when (e.SqlState == "53300")
            {
                await connection.DisposeAsync();
                return held;
            }
        }

        throw new InvalidOperationException($"the server accepted {held.Count} sessions of {PrivatePostgres.Role} with max_connections {MaxConnections}");
    }

    private static async Task SampleSessionsAsync(PrivatePostgres postgres, ConcurrentBag<int> sessions, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            sessions.Add(await postgres.SessionsOfRoleAsync());
            try
            {
                await Task.Delay(25, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Counts <c>smime.producer_claims.store_retries</c> by SQLSTATE (<c>none</c>: the server did not answer).</summary>
    private sealed class StoreRetries : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public StoreRetries()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "smime.producer_claims.store_retries")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string state = "none";
                foreach (var tag in tags)
                {
                    if (tag.Key == "sqlstate")
                    {
                        state = (string)tag.Value!;
                    }
                }

                _counts.AddOrUpdate(state, (int)value, (_, n) => n + (int)value);
            });
            _listener.Start();
        }

        public int Total => _counts.Values.Sum();

        public int Of(string sqlState) => _counts.GetValueOrDefault(sqlState);

        public override string ToString() => _counts.IsEmpty ? "no waits" : string.Join(", ", _counts.Select(c => $"{c.Key}: {c.Value}"));

        public void Dispose() => _listener.Dispose();
    }
}
