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

    public void Dispose() => _directory.Dispose();
}
