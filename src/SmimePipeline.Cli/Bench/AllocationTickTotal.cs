using System.Diagnostics.Tracing;
using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// An allocation count independent of <see cref="GC.GetTotalAllocatedBytes(bool)"/> (<c>bench pipeline --allocation-check</c>,
/// issue 17, session 23): the runtime's GC AllocationTick events, one after every ≈100 KB allocated on a heap in one kind
/// (small, large, pinned), each with the exact amount since the previous one on that heap and kind. Their sum over a run is
/// the run's allocation up to one step per heap and kind at each end (<see cref="EdgeBytes"/>), whatever the heap count
/// does. A verbose GC event (≈ 3 per 300 KB mail, and the verbose GC events that come with them): for the check, not for
/// the CPU figures of the same run.
/// </summary>
internal sealed class AllocationTickTotal : RuntimeGcListener
{
    /// <summary>The runtime's step between two ticks on one heap in one kind (100 KB), with the allocation context that
    /// crosses it (8 KB) and some slack.</summary>
    public const long StepBytes = 128 * 1024;

    /// <summary>The kinds a tick reports apart: the small, large and pinned object heaps.</summary>
    private const int Kinds = 3;

    private readonly List<(DateTime At, long Bytes)> _ticks = [];

    /// <summary>
    /// How far the sum over a run may lie from the run's allocation: one step per heap and kind at each end (the bytes
    /// before the first read that the first tick reports, the bytes after the last tick that none reports).
    /// </summary>
    /// <param name="heaps">The most heaps the GC may have (server GC: one per core).</param>
    public static long EdgeBytes(int heaps) => 2 * Kinds * Math.Max(heaps, 1) * StepBytes;

    /// <summary>
    /// The bytes the ticks raised between the two reads reported, after waiting up to <paramref name="delivery"/> for the
    /// events raised before the last read to arrive.
    /// </summary>
    public async Task<long> BetweenAsync(AllocatedBytesRead from, AllocatedBytesRead to, TimeSpan delivery, CancellationToken cancellationToken)
    {
        await WaitForEventsBeforeAsync(to.After, delivery, cancellationToken);
        lock (Sync)
        {
            return _ticks.Where(t => t.At > from.After && t.At <= to.Before).Sum(t => t.Bytes);
        }
    }

    // AllocationTick is a verbose GC event.
    protected override EventLevel Level => EventLevel.Verbose;

    protected override void OnGcEvent(EventWrittenEventArgs eventData, DateTime at)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true
            && RuntimeGcEvents.Field(eventData, "AllocationAmount64") is { } amount)
        {
            _ticks.Add((at, Convert.ToInt64(amount, CultureInfo.InvariantCulture)));
        }
    }
}
