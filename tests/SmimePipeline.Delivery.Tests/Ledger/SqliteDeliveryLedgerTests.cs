using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Ledger;

public sealed class SqliteDeliveryLedgerTests : DeliveryLedgerContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    public SqliteDeliveryLedgerTests() => Ledger = new SqliteDeliveryLedger(Path.Combine(_directory.Path, "sub", "ledger.db"));

    protected override IDeliveryLedger Ledger { get; }

    [Fact]
    public async Task A_second_process_sees_what_the_first_committed()
    {
        var path = Path.Combine(_directory.Path, "shared.db");
        var id = Guid.NewGuid();
        await new SqliteDeliveryLedger(path).RecordAcceptedAsync(id, "sparkpost", "42", DateTimeOffset.UtcNow, CancellationToken.None);

        var entry = await new SqliteDeliveryLedger(path).FindAsync(id, CancellationToken.None);

        Assert.Equal("42", entry!.ProviderMessageId);
    }

    [Fact]
    public async Task Every_connection_is_set_to_synchronous_normal_also_when_the_pool_hands_it_out_again()
    {
        var ledger = new SqliteDeliveryLedger(Path.Combine(_directory.Path, "pooled.db"));
        await ledger.RecordAcceptedAsync(Guid.NewGuid(), "pickup", null, DateTimeOffset.UtcNow, CancellationToken.None);

        // Two at once: two physical connections; then each again from the pool, where the setting is not re-sent.
        var first = await ledger.OpenTunedConnectionAsync(CancellationToken.None);
        var second = await ledger.OpenTunedConnectionAsync(CancellationToken.None);
        var handles = new[] { first.Handle, second.Handle };
        Assert.NotSame(handles[0], handles[1]);
        await first.DisposeAsync();
        await second.DisposeAsync();
        var reopened = new[] { await ledger.OpenTunedConnectionAsync(CancellationToken.None), await ledger.OpenTunedConnectionAsync(CancellationToken.None) };

        // The pool gave back the same physical connections, and each still has synchronous = NORMAL (1; SQLite's WAL default is FULL, 2).
        Assert.Contains(reopened[0].Handle, handles);
        Assert.Contains(reopened[1].Handle, handles);
        foreach (var connection in reopened)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous;";
            Assert.Equal(1L, await command.ExecuteScalarAsync());
            await connection.DisposeAsync();
        }
    }

    public void Dispose() => _directory.Dispose();
}
