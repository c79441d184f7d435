using System.Diagnostics.Tracing;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// A listener to the runtime's own GC events (<see cref="RuntimeGcEvents"/>) that can wait for the events raised before a
/// moment: the runtime delivers them on its own dispatch thread, in order, up to a second late. Each event is handed to
/// <see cref="OnGcEvent"/> under <see cref="Sync"/> with its time (UTC).
/// </summary>
internal abstract class RuntimeGcListener : EventListener
{
    private DateTime _latestEvent = DateTime.MinValue;

    /// <summary>Guards the subclass's state, which <see cref="OnGcEvent"/> writes on the runtime's dispatch thread.</summary>
    protected Lock Sync { get; } = new();

    /// <summary>The level of the GC events listened to: informational (a handful per collection) or verbose (the allocation
    /// ticks too, one per ≈100 KB allocated). Read while the base constructor runs: return a constant.</summary>
    protected abstract EventLevel Level { get; }

    /// <summary>
    /// Waits until an event raised after <paramref name="to"/> (UTC) has arrived, or <paramref name="delivery"/> has passed
    /// (a quiet heap raises none): after that every event raised before <paramref name="to"/> has arrived.
    /// </summary>
    protected async Task WaitForEventsBeforeAsync(DateTime to, TimeSpan delivery, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + delivery;
        while (DateTime.UtcNow < deadline && LatestEvent < to)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>One event, with its time (UTC); called under <see cref="Sync"/>.</summary>
    protected abstract void OnGcEvent(EventWrittenEventArgs eventData, DateTime at);

    protected sealed override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeGcEvents.SourceName)
        {
            EnableEvents(eventSource, Level, RuntimeGcEvents.GcKeyword);
        }
    }

    protected sealed override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        var at = eventData.TimeStamp.ToUniversalTime();
        lock (Sync)
        {
            _latestEvent = at > _latestEvent ? at : _latestEvent;
            OnGcEvent(eventData, at);
        }
    }

    private DateTime LatestEvent
    {
        get
        {
            lock (Sync)
            {
                return _latestEvent;
            }
        }
    }
}
