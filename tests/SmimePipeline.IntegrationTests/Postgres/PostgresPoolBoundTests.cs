using Npgsql;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Configuration;
using Xunit.Abstractions;

namespace SmimePipeline.IntegrationTests.Postgres;

/// <summary>
/// Issue 17, session 11: every PostgreSQL store holds at most its bound, not Npgsql's default pool of 100. On a PostgreSQL
/// of the test's own with <c>max_connections</c> 20 (17 slots for the test's role), a table held under an exclusive lock
/// makes every statement of a burst wait on the server holding its connection, so that each pool grows as far as it may:
/// the delivery ledger with the old default of 100 meets 53300 (too many clients); the delivery ledger at the sender's
/// derived bound, the recipient-fate ledger at its default and the certificate directory at the signer's derived bound
/// fill exactly their bounds (counted in <c>pg_stat_activity</c> by each store's application name), the statements beyond
/// them wait in the pool, and every one completes once the lock is released.
/// </summary>
public sealed class PostgresPoolBoundTests(ITestOutputHelper output)
{
    private const int MaxConnections = 20;
    private const int Burst = 40;

    // How long the sessions are still counted once a pool has filled (or the server refused the rest), so that a pool
    // growing past its bound would be seen; and how long a burst may take to get there on a loaded 2-core machine.
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task The_delivery_ledger_with_the_old_pool_of_100_meets_53300_and_at_the_sender_s_derived_bound_every_statement_waits_its_turn()
    {
        await using var postgres = await PrivatePostgres.StartAsync(MaxConnections);
        await using (var schema = new PostgresDeliveryLedger(Named(postgres, "schema")))
        {
            await schema.FindAsync(Guid.NewGuid(), CancellationToken.None);
        }

        await using (var unbounded = new PostgresDeliveryLedger(Named(postgres, "ledger-100"), maxConnections: 100))
        {
            // Every slot but the locker's (and one the schema's session may still be leaving) is taken; the rest are refused.
            var before = await BurstWhileLockedAsync(postgres, "smime_delivery_ledger", "ledger-100", postgres.NonSuperuserSlots - 2, () => unbounded.FindAsync(Guid.NewGuid(), CancellationToken.None));
            var refused = before.Failures.OfType<PostgresException>().Where(e => e.SqlState == PostgresErrorCodes.TooManyConnections).ToList();
            output.WriteLine($"delivery ledger, pool of 100, {Burst} concurrent statements, {postgres.NonSuperuserSlots} slots: at most {before.MostSessions} sessions, {before.Failures.Count} failed ({refused.Count} with 53300)");
            Assert.NotEmpty(refused);
        }

        int bound = PostgresPoolDefaults.DeliveryLedgerMaxConnections(new SmimePipelineOptions { Roles = WorkerRoles.Sender }, configured: 0);
        Assert.Equal(new SenderOptions().Concurrency, bound);
        await using var bounded = new PostgresDeliveryLedger(Named(postgres, "ledger"), bound);
        var after = await BurstWhileLockedAsync(postgres, "smime_delivery_ledger", "ledger", bound, () => bounded.FindAsync(Guid.NewGuid(), CancellationToken.None));
        output.WriteLine($"delivery ledger, derived bound {bound}: at most {after.MostSessions} sessions, {after.Failures.Count} failed");
        Assert.Empty(after.Failures);
        Assert.Equal(bound, after.MostSessions);
    }

    [Fact]
    public async Task The_recipient_fate_ledger_and_the_certificate_directory_fill_their_bounds_under_a_burst_and_no_more()
    {
        await using var postgres = await PrivatePostgres.StartAsync(MaxConnections);

        var fateBound = new DeliveryLedgerOptions().FateMaxConnections;
        await using var fates = new PostgresRecipientFateLedger(Named(postgres, "fates"), fateBound);
        await fates.IsPublishedAsync("schema", CancellationToken.None);
        var fateRun = await BurstWhileLockedAsync(postgres, "smime_recipient_events", "fates", fateBound, () => fates.IsPublishedAsync(Guid.NewGuid().ToString("N"), CancellationToken.None));
        output.WriteLine($"recipient-fate ledger, default bound {fateBound}: at most {fateRun.MostSessions} sessions, {fateRun.Failures.Count} failed");
        Assert.Empty(fateRun.Failures);
        Assert.Equal(fateBound, fateRun.MostSessions);

        // Two protect slots, as on this 2-core machine by default, plus the two harvests.
        var signer = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { Concurrency = 2 } };
        int directoryBound = PostgresPoolDefaults.DirectoryMaxConnections(signer);
        Assert.Equal(4, directoryBound);
        using var directory = new PostgresRecipientDirectory(Named(postgres, "directory"), "pool_", maxConnections: directoryBound) { CacheLifetime = TimeSpan.Zero };
        // The directory is synchronous (it is read inside a protect slot): each look-up blocks a thread of its own.
        var directoryRun = await BurstWhileLockedAsync(postgres, "pool_certificates", "directory", directoryBound, () => Task.Factory.StartNew(
            () => directory.Find($"{Guid.NewGuid():N}@example.net"), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        output.WriteLine($"certificate directory, derived bound {directoryBound}: at most {directoryRun.MostSessions} sessions, {directoryRun.Failures.Count} failed");
        Assert.Empty(directoryRun.Failures);
        Assert.Equal(directoryBound, directoryRun.MostSessions);
        Assert.DoesNotContain("too many clients", postgres.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("remaining connection slots are reserved", postgres.Log, StringComparison.Ordinal);
    }

    // Each store under a name of its own; a statement may wait for a pooled connection for all of Generous (Npgsql's
    // Timeout, default 15 s, is also its wait for a pooled connection).
    private static string Named(PrivatePostgres postgres, string application) =>
        new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { ApplicationName = application, Timeout = 2 * (int)Generous.TotalSeconds }.ConnectionString;

    /// <summary>
    /// Holds <paramref name="table"/> under an exclusive lock, starts <see cref="Burst"/> calls of
    /// <paramref name="statement"/> at once, counts the sessions of <paramref name="application"/> while they wait (until
    /// <paramref name="expected"/> were seen and <see cref="Settle"/> more has passed, or <see cref="Generous"/>), then
    /// releases the lock and collects how each call ended.
    /// </summary>
    private static async Task<(int MostSessions, IReadOnlyList<Exception> Failures)> BurstWhileLockedAsync(
        PrivatePostgres postgres, string table, string application, int expected, Func<Task> statement)
    {
        var calls = new List<Task>();
        int most = 0;
        await using (var locker = new NpgsqlConnection(Named(postgres, "locker")))
        {
            await locker.OpenAsync();
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var command = new NpgsqlCommand($"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE", locker, transaction))
            {
                await command.ExecuteNonQueryAsync();
            }

            calls.AddRange(Enumerable.Range(0, Burst).Select(_ => Task.Run(statement)));
            var deadline = TimeProvider.System.GetUtcNow() + Generous;
            DateTimeOffset? settled = null;
            while (TimeProvider.System.GetUtcNow() is var now && now < deadline && (settled is null || now < settled))
            {
                most = Math.Max(most, await postgres.SessionsOfApplicationAsync(application));
                settled ??= most >= expected ? now + Settle : null;
                await Task.Delay(50);
            }

            await transaction.CommitAsync();
        }

        var failures = new List<Exception>();
        foreach (var call in calls)
        {
            try
            {
                await call;
            }
            catch (NpgsqlException e)
            {
                failures.Add(e);
            }
        }

        return (most, failures);
    }
}
