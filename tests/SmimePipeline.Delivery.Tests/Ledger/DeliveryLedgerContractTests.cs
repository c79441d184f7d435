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

    [Fact]
    public async Task A_hand_over_is_claimed_once_until_its_answer_is_recorded_or_it_goes_stale()
    {
        var id = Guid.NewGuid();
        var limit = TimeSpan.FromSeconds(45);
        Assert.True((await Ledger.ClaimHandOverAsync(id, "sparkpost", T0, T0 - limit, CancellationToken.None)).Claimed);
        // A redelivered copy while the first hand-over runs: not claimed, not sent twice.
        Assert.False((await Ledger.ClaimHandOverAsync(id, "sparkpost", T0.AddSeconds(5), T0.AddSeconds(5) - limit, CancellationToken.None)).Claimed);

        // The sender stopped: once the claim is older than the limit, another sender may take over.
        Assert.True((await Ledger.ClaimHandOverAsync(id, "sparkpost", T0.AddSeconds(50), T0.AddSeconds(50) - limit, CancellationToken.None)).Claimed);
        var entry = await Ledger.FindAsync(id, CancellationToken.None);
        Assert.Equal((DeliveryLedgerState.HandingToEsp, 2), (entry!.State, entry.Attempts));
    }

    [Theory]
    [InlineData(DeliveryLedgerState.Refused)]
    [InlineData(DeliveryLedgerState.OutcomeUnknown)]
    public async Task An_answered_attempt_releases_the_claim_at_once(DeliveryLedgerState outcome)
    {
        var id = Guid.NewGuid();
        Assert.True((await Ledger.ClaimHandOverAsync(id, "smtp", T0, T0.AddMinutes(-1), CancellationToken.None)).Claimed);
        await Ledger.RecordNotAcceptedAsync(id, "smtp", outcome, T0.AddSeconds(1), CancellationToken.None);
        Assert.Equal(outcome, (await Ledger.FindAsync(id, CancellationToken.None))!.State);

        Assert.True((await Ledger.ClaimHandOverAsync(id, "smtp", T0.AddSeconds(2), T0.AddMinutes(-1), CancellationToken.None)).Claimed);
        Assert.Equal(2, (await Ledger.FindAsync(id, CancellationToken.None))!.Attempts);
    }

    [Fact]
    public async Task An_accepted_mail_is_never_claimed_nor_downgraded()
    {
        var id = Guid.NewGuid();
        await Ledger.RecordAcceptedAsync(id, "sparkpost", "9", T0, CancellationToken.None);

        Assert.False((await Ledger.ClaimHandOverAsync(id, "sparkpost", T0.AddHours(1), T0.AddHours(1), CancellationToken.None)).Claimed);
        await Ledger.RecordNotAcceptedAsync(id, "sparkpost", DeliveryLedgerState.OutcomeUnknown, T0.AddHours(1), CancellationToken.None);

        Assert.Equal(DeliveryLedgerState.Accepted, (await Ledger.FindAsync(id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Of_many_senders_claiming_the_same_mail_at_once_exactly_one_wins()
    {
        var id = Guid.NewGuid();
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Ledger.ClaimHandOverAsync(id, "sparkpost", T0.AddMilliseconds(i), T0.AddMinutes(-1), CancellationToken.None))));

        Assert.Single(claims, claim => claim.Claimed);
    }

    [Fact]
    public async Task A_claim_reports_the_entry_it_found_before_claiming()
    {
        var id = Guid.NewGuid();
        var limit = TimeSpan.FromSeconds(45);
        Assert.Equal(new HandOverClaim(true, null), await Ledger.ClaimHandOverAsync(id, "smtp", T0, T0 - limit, CancellationToken.None));

        // Held by a fresh claim: not claimed, and the holder's entry is what the waiting sender sees.
        var held = await Ledger.ClaimHandOverAsync(id, "sparkpost", T0.AddSeconds(1), T0.AddSeconds(1) - limit, CancellationToken.None);
        Assert.Equal(new HandOverClaim(false, new DeliveryLedgerEntry(id, DeliveryLedgerState.HandingToEsp, "smtp", null, 1, T0)), held);

        // After a refusal the next claim wins and reports the refusal it replaced (the sender logs a retry after refusal).
        await Ledger.RecordNotAcceptedAsync(id, "smtp", DeliveryLedgerState.Refused, T0.AddSeconds(2), CancellationToken.None);
        var retried = await Ledger.ClaimHandOverAsync(id, "smtp", T0.AddSeconds(3), T0.AddSeconds(3) - limit, CancellationToken.None);
        Assert.Equal(new HandOverClaim(true, new DeliveryLedgerEntry(id, DeliveryLedgerState.Refused, "smtp", null, 1, T0.AddSeconds(2))), retried);
        Assert.Equal(new DeliveryLedgerEntry(id, DeliveryLedgerState.HandingToEsp, "smtp", null, 2, T0.AddSeconds(3)), await Ledger.FindAsync(id, CancellationToken.None));

        // Accepted: never claimed again, and the claim carries the acceptance with the ESP's id.
        await Ledger.RecordAcceptedAsync(id, "smtp", "250 queued as 4XyZ", T0.AddSeconds(4), CancellationToken.None);
        var late = await Ledger.ClaimHandOverAsync(id, "smtp", T0.AddHours(1), T0.AddHours(1), CancellationToken.None);
        Assert.Equal(new HandOverClaim(false, new DeliveryLedgerEntry(id, DeliveryLedgerState.Accepted, "smtp", "250 queued as 4XyZ", 2, T0.AddSeconds(4))), late);
    }

    [Fact]
    public async Task A_stale_claim_is_taken_over_and_reported_as_the_previous_attempt()
    {
        var id = Guid.NewGuid();
        var limit = TimeSpan.FromSeconds(45);
        Assert.True((await Ledger.ClaimHandOverAsync(id, "sparkpost", T0, T0 - limit, CancellationToken.None)).Claimed);

        var takeover = await Ledger.ClaimHandOverAsync(id, "sparkpost", T0.AddSeconds(46), T0.AddSeconds(46) - limit, CancellationToken.None);

        Assert.Equal(new HandOverClaim(true, new DeliveryLedgerEntry(id, DeliveryLedgerState.HandingToEsp, "sparkpost", null, 1, T0)), takeover);
    }

    [Fact]
    public async Task Only_refused_or_unknown_describe_an_attempt_that_was_not_accepted()
        => await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => Ledger.RecordNotAcceptedAsync(Guid.NewGuid(), "smtp", DeliveryLedgerState.Accepted, T0, CancellationToken.None));
}
