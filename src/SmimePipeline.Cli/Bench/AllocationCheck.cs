using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Whether a run's <c>allocatedBytesPerMail</c> (the difference of two reads of <see cref="GC.GetTotalAllocatedBytes(bool)"/>)
/// can be trusted (issue 17, session 23). On this runtime the total is the sum of each heap's own count over the heaps
/// active at the call (dotnet/runtime PR 131069, "Fix non-monotonic GC.GetTotalAllocatedBytes under DATAS"): a heap that
/// DATAS decommissions keeps its count frozen and drops out of the sum, and comes back with it when recommissioned. The
/// heaps are taken from the lowest index up, so the difference of two reads is exact when both saw the same number of
/// heaps (whatever happened in between) and wrong by a whole heap's lifetime count when not: session 22 saw 62 KB and
/// −154 KB per mail in runs whose twins allocated 307–908 KB. The check reads the heap count at both reads
/// (<see cref="GcHeapCountMonitor"/>) and, with <c>--allocation-check</c>, sets the figure against the runtime's allocation
/// ticks (<see cref="AllocationTickTotal"/>), which no heap count changes.
/// </summary>
/// <param name="Trustworthy">Whether the figure is the process's allocation: the same heap count at both reads (or, when
/// not, the ticks agree) and, with the ticks, within <see cref="ToleranceBytesPerMail"/> of them.</param>
/// <param name="Reason">Why, in one sentence.</param>
/// <param name="HeapsAtStart">The GC's active heaps at the first read; null when unknown.</param>
/// <param name="HeapsAtEnd">The same at the last read.</param>
/// <param name="HeapCountChanges">Times the count changed between the reads (a change and back leaves the figure exact).</param>
/// <param name="AllocationTickBytesPerMail">With <c>--allocation-check</c>: the ticks' sum over the run per mail; else null.</param>
/// <param name="ToleranceBytesPerMail">With the ticks: how far the two may lie apart per mail and still agree
/// (<see cref="RelativeTolerance"/> of the larger, plus <see cref="AllocationTickTotal.EdgeBytes"/>); else null.</param>
internal sealed record AllocationCheck(
    bool Trustworthy,
    string Reason,
    int? HeapsAtStart,
    int? HeapsAtEnd,
    int HeapCountChanges,
    double? AllocationTickBytesPerMail,
    double? ToleranceBytesPerMail)
{
    /// <summary>The share by which the ticks' sum and the total may differ beyond the ends' steps: a tick counts the
    /// allocation contexts handed out, the total subtracts their unused tails at each collection (≈ 1 % here).</summary>
    public const double RelativeTolerance = 0.05;

    /// <summary>
    /// Judges a run's figure.
    /// </summary>
    /// <param name="allocatedBytes">The difference of the two reads.</param>
    /// <param name="messages">Mails in the run.</param>
    /// <param name="heaps">The heap count at both reads and the changes between them.</param>
    /// <param name="tickBytes">The ticks' sum between the reads; null without <c>--allocation-check</c>.</param>
    /// <param name="maxHeaps">The most heaps the GC may have (<see cref="AllocationTickTotal.EdgeBytes"/>).</param>
    public static AllocationCheck Judge(long allocatedBytes, int messages, GcHeapCounts heaps, long? tickBytes, int maxHeaps)
    {
        ArgumentNullException.ThrowIfNull(heaps);
        messages = Math.Max(messages, 1);
        double? tolerance = tickBytes is { } t
            ? (RelativeTolerance * Math.Max(Math.Abs(allocatedBytes), t)) + AllocationTickTotal.EdgeBytes(maxHeaps)
            : null;
        bool? ticksAgree = tickBytes is { } ticks ? Math.Abs(allocatedBytes - ticks) <= tolerance : null;
        string ticksSay = tickBytes is { } sum
            ? string.Create(CultureInfo.InvariantCulture, $"the allocation ticks say {sum / 1024.0 / messages:F1} KB per mail ({(ticksAgree == true ? "agree" : "DISAGREE")}, tolerance ±{tolerance / 1024 / messages:F1} KB)")
            : "no allocation ticks (--allocation-check) to compare";
        string counts = string.Create(CultureInfo.InvariantCulture, $"GC heaps {Show(heaps.AtStart)} at the first read, {Show(heaps.AtEnd)} at the last, {heaps.Changes} changes between");
        var (trustworthy, why) = (allocatedBytes, heaps, ticksAgree) switch
        {
            ( < 0, _, _) => (false, "the runtime's total went down during the run"),
            (_, _, false) => (false, "it disagrees with the allocation ticks"),
            (_, { AtStart: null } or { AtEnd: null }, true) => (true, "the heap count at a read is unknown, but the allocation ticks agree"),
            (_, { AtStart: null } or { AtEnd: null }, _) => (false, "the heap count at a read is unknown (the total sums only the active heaps)"),
            (_, _, true) when heaps.AtStart != heaps.AtEnd => (true, "the heap count changed, but the allocation ticks agree"),
            _ when heaps.AtStart != heaps.AtEnd => (false, "the heap count changed between the reads: the total sums only the active heaps (dotnet/runtime PR 131069)"),
            _ => (true, "the same heap count at both reads"),
        };
        return new AllocationCheck(
            trustworthy,
            $"{(trustworthy ? "trustworthy" : "UNTRUSTWORTHY")}: {why}; {counts}; {ticksSay}",
            heaps.AtStart,
            heaps.AtEnd,
            heaps.Changes,
            tickBytes is { } perMail ? Math.Round((double)perMail / messages) : null,
            tolerance is { } bytes ? Math.Round(bytes / messages) : null);
    }

    private static string Show(int? heaps) => heaps?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
}
