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

    /// <summary>The verdict for one run's figure per mail, the heap counts at its reads and (0 = none) its ticks per mail.</summary>
    [Theory]
    // The same heap count at both reads: exact.
    [InlineData(315_000, 2, 2, 0, 0, true, "trustworthy: the same heap count at both reads; GC heaps 2 at the first read, 2 at the last, 0 changes between")]
    // A heap given back and taken again: its count is frozen, not reset, and counted at both reads.
    [InlineData(315_000, 2, 2, 2, 0, true, "trustworthy: the same heap count at both reads; GC heaps 2 at the first read, 2 at the last, 2 changes between")]
    // Session 22's alone-p20-1: 62,151 B per mail against 307-316 KB in its twins, here with a heap given back.
    [InlineData(62_151, 2, 1, 1, 0, false, "UNTRUSTWORTHY: the heap count changed between the reads")]
    // Session 22's mixed-p20-2: a negative figure is the runtime's count, whatever the heap counts seen say.
    [InlineData(-154_426, 2, 2, 0, 0, false, "UNTRUSTWORTHY: the runtime's total went down")]
    // A count not known at a read (null here as 0 heaps), and no ticks to decide.
    [InlineData(315_000, 0, 2, 0, 0, false, "UNTRUSTWORTHY: the heap count at a read is unknown")]
    // Ticks that disagree, even with the same count at both reads.
    [InlineData(62_151, 2, 2, 0, 310_000, false, "UNTRUSTWORTHY: it disagrees with the allocation ticks")]
    // Ticks that agree vouch for the figure across a change.
    [InlineData(315_000, 1, 2, 1, 316_000, true, "trustworthy: the heap count changed, but the allocation ticks agree")]
    public void The_verdict_follows_the_heap_counts_and_the_ticks(
        long perMail, int heapsAtStart, int heapsAtEnd, int changes, long ticksPerMail, bool trustworthy, string reason)
    {
        var heaps = new GcHeapCounts(heapsAtStart == 0 ? null : heapsAtStart, heapsAtEnd, changes);

        var check = AllocationCheck.Judge(PerMail(perMail), Mails, heaps, ticksPerMail == 0 ? null : PerMail(ticksPerMail), maxHeaps: 2);

        Assert.Equal(trustworthy, check.Trustworthy);
        Assert.StartsWith(reason, check.Reason, StringComparison.Ordinal);
        Assert.Equal(ticksPerMail == 0 ? null : (double)ticksPerMail, check.AllocationTickBytesPerMail);
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
