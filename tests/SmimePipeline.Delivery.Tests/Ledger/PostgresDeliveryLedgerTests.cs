using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Testing;

namespace SmimePipeline.Delivery.Tests.Ledger;

/// <summary>The ledger contract on the real PostgreSQL started by scripts/test.sh.</summary>
public sealed class PostgresDeliveryLedgerTests : DeliveryLedgerContractTests, IAsyncDisposable
{
    private readonly PostgresDeliveryLedger _ledger = new(TestServices.PostgresConnectionString);

    protected override IDeliveryLedger Ledger => _ledger;

    public ValueTask DisposeAsync() => _ledger.DisposeAsync();
}
