using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Which types a bench run allocates its bytes in (<c>bench guarantees --allocations-by-type</c>, session 21), from the
/// runtime's GC AllocationTick events: after every ≈100 KB allocated on a heap the runtime reports the exact amount since the
/// previous tick and the type of the object that crossed the step. Summing each tick's amount under that type is a sample
/// weighted by bytes: a type that takes a share of the bytes names about that share of the ticks. Over thousands of mails
/// (≈ 3 ticks per mail at 300 KB) the large types' shares (a mail's bodies, its buffers) repeat to a few per cent. A tick
/// names the allocation that needed a new allocation context, so a small object allocated right after a large one is named
/// more often than its bytes deserve: read the small types as "where", not "how much". For counts, not CPU figures.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytesByType = new(StringComparer.Ordinal);
    private volatile bool _measuring;

    /// <summary>Starts summing (the ticks before, such as the warm-up's, are not counted).</summary>
    public void Start() => _measuring = true;

    /// <summary>Stops summing; what was summed stays.</summary>
    public void Stop() => _measuring = false;

    /// <summary>The sampled bytes per mail of the <paramref name="top"/> types with the most, most first.</summary>
    public IReadOnlyList<AllocationSample> PerMail(int messages, int top)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        return [.. _bytesByType
            .OrderByDescending(t => t.Value)
            .Take(top)
            .Select(t => new AllocationSample(t.Key, Math.Round((double)t.Value / messages)))];
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
        if (!_measuring || eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            return;
        }

        if (RuntimeGcEvents.Field(eventData, "AllocationAmount64") is { } amount)
        {
            var type = RuntimeGcEvents.Field(eventData, "TypeName") as string is { Length: > 0 } name ? name : "?";
            long bytes = Convert.ToInt64(amount, CultureInfo.InvariantCulture);
            _bytesByType.AddOrUpdate(type, bytes, (_, sum) => sum + bytes);
        }
    }
}
