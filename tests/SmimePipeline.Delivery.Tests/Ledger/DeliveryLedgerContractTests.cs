using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Delivery.Tests.Ledger;

/// <summary>The same contract, run against every ledger implementation.</summary>
public abstract class DeliveryLedgerContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    protected abstract IDeliveryLedger Ledger { get; }

    [Fact]
    public async Task An_unknown_mail_has_no_entry()
        => Assert.Null(await Ledger.FindAsync(Guid.NewGuid(), CancellationToken.None));

    [Fact]
    public async Task Handing_then_accepted_keeps_the_transmission_id_and_counts_attempts()
    {
        var id = Guid.NewGuid();
        await Ledger.RecordHandingAsync(id, "sparkpost", T0, CancellationToken.None);
        var handing = await Ledger.FindAsync(id, CancellationToken.None);
        Assert.Equal(DeliveryLedgerState.HandingToEsp, handing!.State);
        Assert.Equal(1, handing.Attempts);

        await Ledger.RecordHandingAsync(id, "sparkpost", T0.AddSeconds(10), CancellationToken.None);
        await Ledger.RecordAcceptedAsync(id, "sparkpost", "7012345678", T0.AddSeconds(11), CancellationToken.None);

        var accepted = await Ledger.FindAsync(id, CancellationToken.None);
        Assert.Equal(new DeliveryLedgerEntry(id, DeliveryLedgerState.Accepted, "sparkpost", "7012345678", 2, T0.AddSeconds(11)), accepted);
    }

    [Fact]
    public async Task A_late_handing_record_never_downgrades_an_accepted_mail()
    {
        var id = Guid.NewGuid();
        await Ledger.RecordAcceptedAsync(id, "sparkpost", "1", T0, CancellationToken.None);

        await Ledger.RecordHandingAsync(id, "sparkpost", T0.AddMinutes(1), CancellationToken.None);

        Assert.Equal(DeliveryLedgerState.Accepted, (await Ledger.FindAsync(id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Concurrent_senders_do_not_lose_writes()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToList();

        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (id, ct) =>
        {
            await Ledger.RecordHandingAsync(id, "smtp", T0, ct);
            await Ledger.RecordAcceptedAsync(id, "smtp", id.ToString("N"), T0, ct);
        });

        foreach (var id in ids)
        {
            var entry = await Ledger.FindAsync(id, CancellationToken.None);
            Assert.Equal(DeliveryLedgerState.Accepted, entry!.State);
            Assert.Equal(id.ToString("N"), entry.ProviderMessageId);
        }
    }
}
