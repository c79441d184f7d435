using BenchmarkDotNet.Attributes;
using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// What the delivery ledger costs the sender per mail: the hand-over claim (which reads the entry in the same
/// command) and the answer, as <c>DeliveryHandler</c> writes them for every delivered mail, on the SQLite file the
/// default worker and <c>smime bench pipeline</c> use, and on PostgreSQL when <c>SMIME_TEST_POSTGRES</c> holds a
/// connection string (e.g. from <c>scripts/test.sh --services-only</c>); each statement alone beside it.
/// </summary>
[MemoryDiagnoser]
public class DeliveryLedgerBenchmarks : IAsyncDisposable
{
    private static readonly TimeSpan HandOverLimit = TimeSpan.FromSeconds(45);
    private readonly string _directory = Directory.CreateTempSubdirectory("smime-ledger-bench-").FullName;
    private IDeliveryLedger _ledger = null!;

    /// <summary>"sqlite" (a file in a temporary directory) or "postgres" (needs <c>SMIME_TEST_POSTGRES</c>).</summary>
    [ParamsSource(nameof(Databases))]
    public string Database { get; set; } = "sqlite";

    /// <summary>SQLite always; PostgreSQL when a connection string is set.</summary>
    public static IEnumerable<string> Databases()
        => Environment.GetEnvironmentVariable("SMIME_TEST_POSTGRES") is { Length: > 0 } ? ["sqlite", "postgres"] : ["sqlite"];

    [GlobalSetup]
    public async Task Setup()
    {
        _ledger = Database == "postgres"
            ? new PostgresDeliveryLedger(Environment.GetEnvironmentVariable("SMIME_TEST_POSTGRES")!)
            : new SqliteDeliveryLedger(Path.Combine(_directory, "ledger.db"));
        // Creates the table outside the measurement.
        await _ledger.FindAsync(Guid.NewGuid(), CancellationToken.None);
    }

    /// <summary>The sender's two ledger writes for one delivered mail.</summary>
    [Benchmark(Baseline = true)]
    public async Task<bool> ClaimThenAccepted()
    {
        var id = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var claim = await _ledger.ClaimHandOverAsync(id, "pickup", now, now - HandOverLimit, CancellationToken.None);
        await _ledger.RecordAcceptedAsync(id, "pickup", $"{id:N}.eml", DateTimeOffset.UtcNow, CancellationToken.None);
        return claim.Claimed;
    }

    /// <summary>The read the sender made before the claim until the claim read the entry itself.</summary>
    [Benchmark]
    public async Task<bool> Find() => await _ledger.FindAsync(Guid.NewGuid(), CancellationToken.None) is null;

    /// <summary>One upsert and its commit.</summary>
    [Benchmark]
    public async Task<int> Accepted()
    {
        await _ledger.RecordAcceptedAsync(Guid.NewGuid(), "pickup", "1", DateTimeOffset.UtcNow, CancellationToken.None);
        return 1;
    }

    [GlobalCleanup]
    public async Task Cleanup() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_ledger is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
        else if (_ledger is IDisposable closable)
        {
            closable.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }
}
