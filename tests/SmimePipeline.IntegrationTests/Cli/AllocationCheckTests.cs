using SmimePipeline.Cli.Bench;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 17, session 23: <c>bench pipeline</c>'s allocation per mail is the difference of two reads of
/// <c>GC.GetTotalAllocatedBytes(precise: true)</c>, which on this runtime sums only the GC heaps active at the call
/// (dotnet/runtime PR 131069). Session 22 saw 62 KB and −154 KB per mail in runs whose twins allocated 307–908 KB. The
/// figure now comes with its check (<see cref="AllocationCheck"/>): the heap count at both reads and, with
/// <c>--allocation-check</c>, the runtime's allocation ticks.
/// </summary>
public sealed class AllocationCheckTests
{
    private const int Mails = 1500;
    private static readonly DateTime T0 = new(2026, 12, 4, 16, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_same_heap_count_at_both_reads_makes_the_figure_trustworthy()
    {
        var check = AllocationCheck.Judge(PerMail(315_000), Mails, new GcHeapCounts(2, 2, 0), tickBytes: null, maxHeaps: 2);

        Assert.True(check.Trustworthy, check.Reason);
        Assert.StartsWith("trustworthy: the same heap count at both reads", check.Reason, StringComparison.Ordinal);
        Assert.Null(check.AllocationTickBytesPerMail);
    }

    [Fact]
    public void A_heap_given_back_and_taken_again_between_the_reads_leaves_the_figure_exact()
    {
        // A decommissioned heap's count is frozen, not reset: counted at both reads, the difference is exact.
        var check = AllocationCheck.Judge(PerMail(315_000), Mails, new GcHeapCounts(2, 2, 2), tickBytes: null, maxHeaps: 2);

        Assert.True(check.Trustworthy, check.Reason);
        Assert.Equal(2, check.HeapCountChanges);
    }

    [Fact]
    public void Session_22s_62_KB_run_is_untrustworthy_when_a_heap_was_given_back()
    {
        // alone-p20-1: 62,151 B per mail against 307-316 KB in its twins.
        var check = AllocationCheck.Judge(PerMail(62_151), Mails, new GcHeapCounts(2, 1, 1), tickBytes: null, maxHeaps: 2);

        Assert.False(check.Trustworthy, check.Reason);
        Assert.StartsWith("UNTRUSTWORTHY: the heap count changed between the reads", check.Reason, StringComparison.Ordinal);
        Assert.Contains("GC heaps 2 at the first read, 1 at the last, 1 changes between", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_total_that_went_down_is_untrustworthy_whatever_the_heap_count_says()
    {
        // mixed-p20-2: -154,426 B per mail. Even with the same count seen at both reads (an event missed), a negative
        // difference is the runtime's count, not an allocation.
        var check = AllocationCheck.Judge(PerMail(-154_426), Mails, new GcHeapCounts(2, 2, 0), tickBytes: null, maxHeaps: 2);

        Assert.False(check.Trustworthy, check.Reason);
        Assert.StartsWith("UNTRUSTWORTHY: the runtime's total went down", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_heap_count_at_a_read_is_not_trusted_without_the_ticks()
    {
        var check = AllocationCheck.Judge(PerMail(315_000), Mails, new GcHeapCounts(null, 2, 0), tickBytes: null, maxHeaps: 2);

        Assert.False(check.Trustworthy, check.Reason);
        Assert.Contains("GC heaps unknown at the first read", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ticks_that_disagree_make_the_figure_untrustworthy_even_with_the_same_heap_count()
    {
        var check = AllocationCheck.Judge(PerMail(62_151), Mails, new GcHeapCounts(2, 2, 0), tickBytes: PerMail(310_000), maxHeaps: 2);

        Assert.False(check.Trustworthy, check.Reason);
        Assert.StartsWith("UNTRUSTWORTHY: it disagrees with the allocation ticks", check.Reason, StringComparison.Ordinal);
        Assert.Equal(310_000, check.AllocationTickBytesPerMail);
    }

    [Fact]
    public void Ticks_within_the_tolerance_agree_and_outside_it_do_not()
    {
        // Tolerance: 5 % of the larger figure plus one 128 KB step per heap, kind (3) and end (2): 2 heaps → 1.5 MB.
        long total = PerMail(300_000);
        double tolerance = (0.05 * total) + (2 * 3 * 2 * 128 * 1024);
        long inside = total - (long)tolerance + 1_000;
        long outside = total - (long)tolerance - 100_000;

        var agree = AllocationCheck.Judge(total, Mails, new GcHeapCounts(2, 2, 0), inside, maxHeaps: 2);
        var disagree = AllocationCheck.Judge(total, Mails, new GcHeapCounts(2, 2, 0), outside, maxHeaps: 2);

        Assert.True(agree.Trustworthy, agree.Reason);
        Assert.Contains("(agree, tolerance", agree.Reason, StringComparison.Ordinal);
        Assert.Equal(Math.Round(tolerance / Mails), agree.ToleranceBytesPerMail);
        Assert.False(disagree.Trustworthy, disagree.Reason);
        Assert.Contains("(DISAGREE, tolerance", disagree.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Ticks_that_agree_vouch_for_a_figure_across_a_heap_count_change()
    {
        var check = AllocationCheck.Judge(PerMail(315_000), Mails, new GcHeapCounts(1, 2, 1), tickBytes: PerMail(316_000), maxHeaps: 2);

        Assert.True(check.Trustworthy, check.Reason);
        Assert.StartsWith("trustworthy: the heap count changed, but the allocation ticks agree", check.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_heap_count_at_a_read_is_the_one_the_last_collection_before_it_reported()
    {
        // Counts as the monitor keeps them: 1 from the first collection, 2 from T0 + 5 s, 1 from T0 + 20 s, 2 from T0 + 30 s.
        var counts = new List<(DateTime, int)> { (T0, 1), (T0.AddSeconds(5), 2), (T0.AddSeconds(20), 1), (T0.AddSeconds(30), 2) };

        var endsOnOne = GcHeapCounts.Of(counts, Read(T0.AddSeconds(10)), Read(T0.AddSeconds(25)));
        var changeAndBack = GcHeapCounts.Of(counts, Read(T0.AddSeconds(10)), Read(T0.AddSeconds(35)));
        var beforeAnyCollection = GcHeapCounts.Of(counts, Read(T0.AddSeconds(-1)), Read(T0.AddSeconds(10)));

        Assert.Equal(new GcHeapCounts(2, 1, 1), endsOnOne);
        Assert.Equal(new GcHeapCounts(2, 2, 2), changeAndBack);
        Assert.Equal(new GcHeapCounts(null, 2, 1), beforeAnyCollection);
    }

    [Fact]
    public void A_count_that_changed_between_a_reads_two_stamps_is_unknown_at_that_read()
    {
        var counts = new List<(DateTime, int)> { (T0, 2), (T0.AddSeconds(5), 1) };
        // The collection at T0 + 5 s lies between the stamps taken just before and just after the last read.
        var read = new AllocatedBytesRead(0, T0.AddSeconds(5).AddTicks(-10), T0.AddSeconds(5).AddTicks(10));

        var heaps = GcHeapCounts.Of(counts, Read(T0.AddSeconds(1)), read);

        Assert.Equal(2, heaps.AtStart);
        Assert.Null(heaps.AtEnd);
    }

    [Fact]
    public async Task The_runtime_reports_its_heap_count_and_allocation_ticks_to_the_monitors()
    {
        // The real runtime's events (this test host's GC): the monitors must read the fields they look for, or every run
        // would say "unknown" and no tick would be summed.
        using var heaps = new GcHeapCountMonitor();
        using var ticks = new AllocationTickTotal();
        GcHeapCounts seen = new(null, null, 0);
        for (int i = 0; i < 40 && seen.AtStart is null; i++)
        {
            // The runtime's event session starts a moment after the listener: a collection it reports, before the first read.
            GC.Collect();
            await Task.Delay(250);
            var probe = AllocatedBytesRead.Now();
            seen = await heaps.BetweenAsync(probe, probe, TimeSpan.FromSeconds(1), CancellationToken.None);
        }

        var first = AllocatedBytesRead.Now();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var keep = new byte[16][];
        for (int i = 0; i < 2_000; i++)
        {
            keep[i % keep.Length] = new byte[32 * 1024];
        }

        long mine = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(keep);
        var last = AllocatedBytesRead.Now();
        // A collection after the last read, so that its events come and the wait ends.
        GC.Collect();
        var counts = await heaps.BetweenAsync(first, last, TimeSpan.FromSeconds(5), CancellationToken.None);
        long tickBytes = await ticks.BetweenAsync(first, last, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.NotNull(counts.AtStart);
        Assert.NotNull(counts.AtEnd);
        Assert.InRange(counts.AtStart!.Value, 1, Environment.ProcessorCount);
        // This thread's 64 MB are in both counts (other test classes may allocate beside them).
        Assert.True(tickBytes >= mine - AllocationTickTotal.EdgeBytes(Environment.ProcessorCount), $"ticks {tickBytes} B, this thread {mine} B");
        var check = AllocationCheck.Judge(last.Bytes - first.Bytes, 2_000, counts, tickBytes, Environment.ProcessorCount);
        Assert.True(check.Trustworthy, check.Reason);
    }

    private static long PerMail(long bytes) => bytes * Mails;

    private static AllocatedBytesRead Read(DateTime at) => new(0, at, at.AddTicks(1));
}
