using System.Diagnostics.Tracing;
using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The garbage collector's number of active heaps over time, from the runtime's <c>GCGlobalHeapHistory</c> event (field
/// <c>NumHeaps</c>, one event at the end of every collection; keyword GC, informational level, as <see cref="GcPauseMonitor"/>
/// listens). Server GC with DATAS (the worker's and the bench's default) changes the count at run time, during a collection,
/// and <see cref="GC.GetTotalAllocatedBytes(bool)"/> on this runtime sums only the heaps active at the call
/// (dotnet/runtime PR 131069): a difference of two reads is the process's allocation only when both saw the same count
/// (<see cref="AllocationCheck"/>). Issue 17, session 23; the probe <c>scripts/probes/s22-datas-allocated</c> showed how.
/// </summary>
internal sealed class GcHeapCountMonitor : RuntimeGcListener
{
    // Every count seen, from the collection that first reported it; a count that repeats is not stored again.
    private readonly List<(DateTime From, int Heaps)> _counts = [];

    /// <summary>
    /// What was seen between two reads, after waiting up to <paramref name="delivery"/> for the events raised before the
    /// last one to arrive.
    /// </summary>
    /// <param name="from">The first read, as <see cref="AllocatedBytesRead"/> stamps it.</param>
    /// <param name="to">The last read.</param>
    /// <param name="delivery">How long to wait for the runtime's events.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public async Task<GcHeapCounts> BetweenAsync(AllocatedBytesRead from, AllocatedBytesRead to, TimeSpan delivery, CancellationToken cancellationToken)
    {
        await WaitForEventsBeforeAsync(to.After, delivery, cancellationToken);
        lock (Sync)
        {
            return GcHeapCounts.Of(_counts, from, to);
        }
    }

    protected override EventLevel Level => EventLevel.Informational;

    protected override void OnGcEvent(EventWrittenEventArgs eventData, DateTime at)
    {
        if (eventData.EventName?.StartsWith("GCGlobalHeapHistory", StringComparison.Ordinal) == true
            && RuntimeGcEvents.Field(eventData, "NumHeaps") is { } numHeaps)
        {
            int heaps = Convert.ToInt32(numHeaps, CultureInfo.InvariantCulture);
            if (_counts.Count == 0 || _counts[^1].Heaps != heaps)
            {
                _counts.Add((at, heaps));
            }
        }
    }
}

/// <summary>The GC's active heap count at two reads of <see cref="GC.GetTotalAllocatedBytes(bool)"/> and in between.</summary>
/// <param name="AtStart">The count when the first read was made; null when no collection had reported one before it, or
/// the count changed between the read's two stamps.</param>
/// <param name="AtEnd">The same for the last read.</param>
/// <param name="Changes">Times the count changed between the two reads.</param>
internal sealed record GcHeapCounts(int? AtStart, int? AtEnd, int Changes)
{
    /// <summary>
    /// The counts at <paramref name="from"/> and <paramref name="to"/> from <paramref name="counts"/> (each count with the
    /// time of the collection that first reported it, in order). A read is made with the runtime suspended, so no collection
    /// overlaps it: the count at a read is the one the last collection before it reported.
    /// </summary>
    public static GcHeapCounts Of(IReadOnlyList<(DateTime From, int Heaps)> counts, AllocatedBytesRead from, AllocatedBytesRead to)
    {
        ArgumentNullException.ThrowIfNull(counts);
        // The first count is the first collection's report, not a change.
        return new GcHeapCounts(At(counts, from), At(counts, to), counts.Skip(1).Count(c => c.From > from.After && c.From <= to.Before));
    }

    private static int? At(IReadOnlyList<(DateTime From, int Heaps)> counts, AllocatedBytesRead read)
    {
        int? before = null, after = null;
        foreach (var (from, heaps) in counts)
        {
            if (from <= read.Before)
            {
                before = heaps;
            }

            if (from <= read.After)
            {
                after = heaps;
            }
        }

        // A collection between the read's two stamps may have come before or after the read itself: unknown.
        return before == after ? before : null;
    }
}
