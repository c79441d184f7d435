using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Counts bytes allocated on the large object heap (objects of 85,000 bytes or more) in this process,
/// from the runtime's own GC AllocationTick events: the runtime raises one after every ≈100 KB allocated
/// on a heap and reports the exact amount since the previous one, with the heap kind (0 small, 1 large,
/// 2 pinned). The total is therefore exact up to the last, unreported ≈100 KB, and exactly zero when
/// nothing reached the large object heap. <see cref="GC.GetTotalAllocatedBytes(bool)"/> cannot tell
/// the heaps apart, and the LOH size after a collection shows what survived, not what was allocated.
/// </summary>
internal sealed class LargeObjectHeapMonitor : EventListener
{
    private const uint LargeObjectHeapKind = 1;
    private readonly ConcurrentDictionary<(string Type, long Kilobytes), long> _objects = new();
    private long _largeBytes;

    /// <summary>LOH bytes reported since the last <see cref="Reset"/>.</summary>
    public long LargeObjectHeapBytes => Interlocked.Read(ref _largeBytes);

    /// <summary>
    /// The objects that raised the LOH ticks since the last <see cref="Reset"/>, by type and size (KB), most bytes first,
    /// at most <paramref name="top"/> (session 16). A tick names the allocation that crossed its ≈100 KB step, so every
    /// object of 100 KB or more is named, and a size that repeats once per large mail is one copy of that mail.
    /// </summary>
    public IReadOnlyList<LargeObjectCount> Objects(int top) =>
        [.. _objects.Select(o => new LargeObjectCount(o.Key.Type, o.Key.Kilobytes, o.Value)).OrderByDescending(o => o.Kilobytes * o.Count).Take(top)];

    public void Reset()
    {
        Interlocked.Exchange(ref _largeBytes, 0);
        _objects.Clear();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeGcEvents.SourceName)
        {
            // AllocationTick is a verbose GC event.
            EnableEvents(eventSource, EventLevel.Verbose, RuntimeGcEvents.GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null)
        {
            return;
        }

        if (RuntimeGcEvents.Field(eventData, "AllocationKind") is not { } kind || RuntimeGcEvents.Field(eventData, "AllocationAmount64") is not { } amount
            || Convert.ToUInt32(kind, System.Globalization.CultureInfo.InvariantCulture) != LargeObjectHeapKind)
        {
            return;
        }

        Interlocked.Add(ref _largeBytes, Convert.ToInt64(amount, System.Globalization.CultureInfo.InvariantCulture));
        if (RuntimeGcEvents.Field(eventData, "ObjectSize") is { } size)
        {
            var key = (RuntimeGcEvents.Field(eventData, "TypeName") as string ?? "?", Convert.ToInt64(size, System.Globalization.CultureInfo.InvariantCulture) / 1024);
            _objects.AddOrUpdate(key, 1, (_, count) => count + 1);
        }
    }
}

/// <summary>Objects of one type and size (KB) that raised LOH allocation ticks, and how many.</summary>
internal sealed record LargeObjectCount(string Type, long Kilobytes, long Count);
