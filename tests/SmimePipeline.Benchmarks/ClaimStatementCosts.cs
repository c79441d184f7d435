using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Security.Cryptography;
using Npgsql;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// <c>claim-costs USER_CONNECTION SUPERUSER_CONNECTION POSTMASTER_PID PGDATA [claims=30] [rounds=3]</c> (issue 17,
/// session 12): what PostgreSQL spends on each statement of a ≈1.5 MB producer claim's life, run with
/// <see cref="PostgresProtectClaimStore"/> itself, one phase of <c>claims</c> statements at a time: the producer's
/// INSERT, the signer's SELECT, the consumed UPDATE, then a CHECKPOINT (the consumed grace period is 1 h, PostgreSQL's
/// <c>checkpoint_timeout</c> 5 min: every claim the sweeper deletes has lived through checkpoints), the sweeper's DELETE,
/// the VACUUM that autovacuum would run, and a last CHECKPOINT that writes what the DELETE and VACUUM dirtied.
/// </summary>
/// <remarks>
/// Per phase and per claim: WAL bytes (<c>pg_current_wal_lsn()</c> before and after) and what <c>pg_waldump --stats</c>
/// says they were (records, full-page images and their bytes); CPU of PostgreSQL's processes by kind (backends, the
/// checkpointer, the background writer, the WAL writer, autovacuum; the postmaster's reaped children land in "other") from
/// <c>/proc/PID/stat</c> (<see cref="PostgresProcesses"/>); per round, the data pages PostgreSQL wrote (<c>pg_stat_bgwriter</c>:
/// by checkpoints, by the background writer, by backends, which includes the zero pages of a growing relation). Of each
/// round's claims the last is left unconsumed (a dead-lettered mail's claim), so the table is never empty and VACUUM
/// cannot truncate it: the next round reuses the freed pages, as a server with claims always in flight does.
/// The superuser connection runs the CHECKPOINTs and reads the column's storage. Autovacuum is left on, as on a user's
/// server; its work shows under its own name in whichever phase it ran.
/// </remarks>
internal static partial class ClaimStatementCosts
{
    private const int TicksPerSecond = 100;

    private static readonly string[] Kinds = ["backend", "checkpointer", "background writer", "walwriter", "autovacuum", "other"];

    public static void Run(string[] args) => RunAsync(args).GetAwaiter().GetResult();

    private static async Task RunAsync(string[] args)
    {
        if (args.Length < 5)
        {
            Console.Error.WriteLine("usage: claim-costs USER_CONNECTION SUPERUSER_CONNECTION POSTMASTER_PID PGDATA [claims=30] [rounds=3]");
            Environment.Exit(2);
        }

        var userConnection = args[1];
        var superConnection = args[2];
        int postmaster = int.Parse(args[3], CultureInfo.InvariantCulture);
        var pgData = args[4];
        int claims = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 30;
        int rounds = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 3;

        await using var store = new PostgresProtectClaimStore(userConnection, 1);
        await store.EnsureSchemaAsync(CancellationToken.None);
        await using var super = new NpgsqlConnection(superConnection);
        await super.OpenAsync();
        Console.WriteLine("server: " + await Scalar(super,
            "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ' ' ORDER BY name) FROM pg_settings WHERE name IN " +
            "('shared_buffers','wal_compression','full_page_writes','checkpoint_timeout','max_wal_size','wal_buffers','synchronous_commit','wal_level','default_toast_compression','data_checksums','wal_log_hints')"));
        Console.WriteLine("content column storage: " + await Scalar(super,
            $"SELECT attstorage::text FROM pg_attribute WHERE attrelid = '{PostgresProtectClaimStore.Table}'::regclass AND attname = 'content'"));

        Console.WriteLine("consumed claims' content released at the mark: " + (store.ReleasesContent ? "yes" : "no (the role has UPDATE (consumed) only)"));
        var content = ProtectClaimContent.Write(BenchmarkMail.Large());
        var sha256 = SHA256.HashData(content);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"claim: {content.Length} bytes (the bench's large mail), {claims} claims per phase, {rounds} rounds"));

        // One warm-up round of a few claims, so that the statements are prepared and the table has its first pages.
        await LifeOfClaims(store, super, content, sha256, 3, postmaster, pgData, null);
        for (int round = 1; round <= rounds; round++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\n## round {round} of {rounds}, load {File.ReadAllText("/proc/loadavg").Trim()}"));
            await LifeOfClaims(store, super, content, sha256, claims, postmaster, pgData, Console.Out);
        }
    }

    private static async Task LifeOfClaims(
        PostgresProtectClaimStore store, NpgsqlConnection super, byte[] content, byte[] sha256, int claims, int postmaster, string pgData, TextWriter? output)
    {
        var ids = Enumerable.Range(0, claims).Select(_ => ProtectClaimId.NewId()).ToArray();
        var phases = new List<(string Name, Func<Task> Run)>
        {
            ("INSERT (producer)", async () =>
            {
                foreach (var id in ids)
                {
                    await store.PutAsync(id, content, sha256, DateTimeOffset.UtcNow, CancellationToken.None);
                }
            }),
            ("SELECT (signer)", async () =>
            {
                foreach (var id in ids)
                {
                    var claim = await store.LoadAsync(id, long.MaxValue, CancellationToken.None);
                    if (claim?.Content is null || !claim.Content.AsSpan().SequenceEqual(content))
                    {
                        throw new InvalidOperationException($"claim {id} did not read back byte for byte");
                    }
                }
            }),
            ("UPDATE consumed, content released if permitted (signer)", async () =>
            {
                foreach (var id in ids[..^1])
                {
                    await store.MarkConsumedAsync(id, DateTimeOffset.UtcNow, CancellationToken.None);
                }
            }),
            ("CHECKPOINT (the grace period passes)", () => Execute(super, "CHECKPOINT")),
            ("DELETE consumed (sweeper)", async () =>
            {
                var now = DateTimeOffset.UtcNow;
                int deleted = await store.DeleteExpiredAsync(now, now.AddDays(-7), CancellationToken.None);
                if (deleted < claims - 1)
                {
                    throw new InvalidOperationException($"the sweep deleted {deleted} claims, expected at least {claims - 1}");
                }
            }),
            ("VACUUM (autovacuum's work)", () => Execute(super, "VACUUM " + PostgresProtectClaimStore.Table)),
            ("CHECKPOINT (writes what DELETE and VACUUM dirtied)", () => Execute(super, "CHECKPOINT")),
        };

        var pagesBefore = await Scalar(super, PagesWrittenSql);
        output?.WriteLine("| phase | WAL KB per claim | WAL records per claim | of which full-page images, KB | PostgreSQL CPU ms per claim: " + string.Join(" / ", Kinds) + " |");
        output?.WriteLine("|---|---|---|---|---|");
        foreach (var (name, run) in phases)
        {
            var lsnBefore = await Scalar(super, "SELECT pg_current_wal_lsn()::text");
            var before = PostgresProcesses.Sample(postmaster);
            await run();
            var after = PostgresProcesses.Sample(postmaster);
            var lsnAfter = await Scalar(super, "SELECT pg_current_wal_lsn()::text");
            if (output is null)
            {
                continue;
            }

            var walBytes = long.Parse(await Scalar(super, $"SELECT pg_wal_lsn_diff('{lsnAfter}', '{lsnBefore}')::bigint::text"), CultureInfo.InvariantCulture);
            var (records, fpiBytes) = WalDump(pgData, lsnBefore, lsnAfter);
            var cpu = string.Join(" / ", Kinds.Select(k => ((after.Ticks(k) - before.Ticks(k)) * 1000.0 / TicksPerSecond / claims).ToString("F1", CultureInfo.InvariantCulture)));
            var toast = await Scalar(super, ToastSizeSql);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {walBytes / 1024.0 / claims:F0} | {records / (double)claims:F0} | {fpiBytes / 1024.0 / claims:F0} | {cpu} |"));
        }

        if (output is not null)
        {
            // The statistics system takes up to a second to publish what the checkpointer absorbed.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            await Execute(super, "SELECT pg_stat_clear_snapshot()");
            var pages = (await Scalar(super, PagesWrittenSql)).Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var pagesAt = pagesBefore.Split(' ').Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var toast = await Scalar(super, ToastSizeSql);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"data pages written over the round, MB per claim: checkpointer {(pages[0] - pagesAt[0]) * 8192.0 / 1048576 / claims:F2}, background writer {(pages[1] - pagesAt[1]) * 8192.0 / 1048576 / claims:F2}, backends (evictions and relation extension) {(pages[2] - pagesAt[2]) * 8192.0 / 1048576 / claims:F2}; TOAST relation now {toast}"));
        }
    }

    private const string PagesWrittenSql = "SELECT buffers_checkpoint || ' ' || buffers_clean || ' ' || buffers_backend FROM pg_stat_bgwriter";

    private const string ToastSizeSql = "SELECT pg_size_pretty(pg_relation_size(reltoastrelid)) FROM pg_class WHERE relname = '" + PostgresProtectClaimStore.Table + "'";

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString() ?? "";
    }

    // pg_waldump's "Total" line: "Total  N  RECORD_BYTES [pct%]  FPI_BYTES [pct%]  COMBINED". An empty range is zero.
    private static (long Records, long FpiBytes) WalDump(string pgData, string from, string to)
    {
        if (from == to)
        {
            return (0, 0);
        }

        var start = new ProcessStartInfo("/usr/lib/postgresql/15/bin/pg_waldump", ["--stats", "-p", Path.Combine(pgData, "pg_wal"), "-s", from, "-e", to])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("pg_waldump did not start");
        var text = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var total = text.Split('\n').FirstOrDefault(l => l.StartsWith("Total", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("pg_waldump gave no total: " + errors.Trim());
        var numbers = WholeNumber().Matches(total).Select(m => long.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        return (numbers[0], numbers[2]);
    }

    // Whole numbers only, not the percentages' digits.
    [GeneratedRegex(@"(?<![.\d])\d+(?![.\d])")]
    private static partial Regex WholeNumber();
}
