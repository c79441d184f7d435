using Microsoft.Data.Sqlite;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Ledger;

public sealed class SqliteDeliveryLedgerTests : DeliveryLedgerContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly SqliteDeliveryLedger _ledger;

    public SqliteDeliveryLedgerTests() => _ledger = new SqliteDeliveryLedger(Path.Combine(_directory.Path, "sub", "ledger.db"));

    protected override IDeliveryLedger Ledger => _ledger;

    [Fact]
    public async Task A_second_process_sees_what_the_first_committed()
    {
        var path = Path.Combine(_directory.Path, "shared.db");
        var id = Guid.NewGuid();
        using (var first = new SqliteDeliveryLedger(path))
        {
            await first.RecordAcceptedAsync(id, "sparkpost", "42", DateTimeOffset.UtcNow, CancellationToken.None);
        }

        using var second = new SqliteDeliveryLedger(path);
        var entry = await second.FindAsync(id, CancellationToken.None);

        Assert.Equal("42", entry!.ProviderMessageId);
    }

    [Fact]
    public async Task A_reader_on_another_connection_sees_each_write_while_the_ledger_keeps_its_connections_open()
    {
        // The ledger's prepared statements stay on open connections between calls: none of them may keep a read or a
        // write transaction open after its call, or another connection would not see the rows (or could not write).
        var path = Path.Combine(_directory.Path, "open.db");
        using var ledger = new SqliteDeliveryLedger(path);
        using var other = new SqliteDeliveryLedger(path);
        for (int i = 0; i < 20; i++)
        {
            var id = Guid.NewGuid();
            var claim = await ledger.ClaimHandOverAsync(id, "pickup", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(-5), CancellationToken.None);
            Assert.True(claim.Claimed);
            Assert.Equal(DeliveryLedgerState.HandingToEsp, (await other.FindAsync(id, CancellationToken.None))!.State);

            await ledger.RecordAcceptedAsync(id, "pickup", $"p{i}", DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.Equal($"p{i}", (await other.FindAsync(id, CancellationToken.None))!.ProviderMessageId);

            // And the other way round: a write on the other connection is seen by the ledger's next read.
            await other.RecordNotAcceptedAsync(id, "pickup", DeliveryLedgerState.Refused, DateTimeOffset.UtcNow, CancellationToken.None);
            Assert.Equal(DeliveryLedgerState.Accepted, (await ledger.FindAsync(id, CancellationToken.None))!.State);
        }
    }

    [Fact]
    public async Task A_failed_statement_reaches_the_caller_and_the_next_call_works()
    {
        var path = Path.Combine(_directory.Path, "failing.db");
        using var ledger = new SqliteDeliveryLedger(path);
        var before = Guid.NewGuid();
        await ledger.RecordAcceptedAsync(before, "pickup", "1", DateTimeOffset.UtcNow, CancellationToken.None);
        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var drop = connection.CreateCommand();
            drop.CommandText = "ALTER TABLE smime_delivery_ledger RENAME TO smime_delivery_ledger_moved";
            await drop.ExecuteNonQueryAsync();
        }

        await Assert.ThrowsAsync<SqliteException>(() => ledger.FindAsync(before, CancellationToken.None));

        await using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var back = connection.CreateCommand();
            back.CommandText = "ALTER TABLE smime_delivery_ledger_moved RENAME TO smime_delivery_ledger";
            await back.ExecuteNonQueryAsync();
        }

        Assert.Equal("1", (await ledger.FindAsync(before, CancellationToken.None))!.ProviderMessageId);
    }

    [Fact]
    public async Task Dispose_closes_the_connections_it_kept()
    {
        // SQLite removes the write-ahead log when the last connection to the database closes.
        var path = Path.Combine(_directory.Path, "closed.db");
        var ledger = new SqliteDeliveryLedger(path);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            ledger.RecordAcceptedAsync(Guid.NewGuid(), "pickup", "1", DateTimeOffset.UtcNow, CancellationToken.None)));
        Assert.True(File.Exists(path + "-wal"));

        ledger.Dispose();

        Assert.False(File.Exists(path + "-wal"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => ledger.FindAsync(Guid.NewGuid(), CancellationToken.None));
    }

    public void Dispose()
    {
        _ledger.Dispose();
        _directory.Dispose();
    }
}
