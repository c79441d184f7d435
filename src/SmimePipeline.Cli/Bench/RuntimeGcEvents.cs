using System.Diagnostics.Tracing;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What the bench's listeners to the runtime's own GC events (<see cref="GcPauseMonitor"/>, <see cref="LargeObjectHeapMonitor"/>,
/// <see cref="RuntimeGcListener"/>) share: the runtime's event source, its GC keyword, and a payload field read by name.
/// </summary>
internal static class RuntimeGcEvents
{
    /// <summary>The runtime's event source.</summary>
    public const string SourceName = "Microsoft-Windows-DotNETRuntime";

    /// <summary>The runtime's GC keyword (collections, suspensions, allocation ticks).</summary>
    public const EventKeywords GcKeyword = (EventKeywords)0x1;

    /// <summary>The payload field <paramref name="name"/> of <paramref name="eventData"/>, or null when the event has none.</summary>
    public static object? Field(EventWrittenEventArgs eventData, string name)
    {
        int index = eventData.PayloadNames?.IndexOf(name) ?? -1;
        return index < 0 || eventData.Payload is null ? null : eventData.Payload[index];
    }
}
