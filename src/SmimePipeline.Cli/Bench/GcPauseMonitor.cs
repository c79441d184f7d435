using System.Diagnostics.Tracing;
using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Every stop of the runtime for a garbage collection in this process, from the runtime's own GC events (keyword GC,
/// informational level: a handful of events per collection, nothing per allocation): when the threads were suspended
/// (<c>GCSuspendEEBegin</c>, for a collection or its preparation) and when they ran again (<c>GCRestartEEEnd</c>), and the
/// collections that started inside (<c>GCStart</c>: generation, and blocking or background). Issue 17, session 16: every
/// such stop halts the threads that move small mails, so the pauses are kept with their times and set against each mail's
/// publish → file interval (<see cref="GcPauseRecord.PauseWithin"/>, on the files' clock: <see cref="GcPauseRecord.OnFileClock"/>). A background gen-2 collection runs beside the threads; only its
/// two short suspensions, and the ephemeral collections done in the foreground while it runs, stop them.
/// The runtime delivers the events on its own dispatch thread after a short delay; <see cref="StopAsync"/> waits for them.
/// </summary>
internal sealed class GcPauseMonitor : RuntimeGcListener
{
    // The runtime's SUSPEND_REASON: SUSPEND_FOR_GC = 1, SUSPEND_FOR_GC_PREP = 6 (the others: debugger, shutdown, ...).
    private const uint SuspendForGc = 1;
    private const uint SuspendForGcPrep = 6;

    // GCStart's Type: 0 a blocking collection, 1 a background one, 2 a blocking ephemeral one during a background one.
    private const uint BackgroundGc = 1;

    private readonly List<GcPause> _pauses = [];
    private DateTime _from = DateTime.MaxValue;
    private DateTime _to = DateTime.MaxValue;
    private DateTime? _suspended;
    private int _deepest = -1;
    private bool _background;
    private int _gen2Blocking;
    private int _gen2Background;
    private uint? _backgroundRunning;

    /// <summary>Keeps the pauses and collections from now on.</summary>
    public void Start()
    {
        lock (Sync)
        {
            _pauses.Clear();
            _gen2Blocking = 0;
            _gen2Background = 0;
            _from = DateTime.UtcNow;
            _to = DateTime.MaxValue;
        }
    }

    /// <summary>
    /// Stops keeping pauses that begin from now on, after waiting up to <paramref name="delivery"/> for the runtime to
    /// deliver the events raised before now (its dispatch thread lags by up to a second).
    /// </summary>
    public async Task<GcPauseRecord> StopAsync(TimeSpan delivery, CancellationToken cancellationToken)
    {
        var to = DateTime.UtcNow;
        lock (Sync)
        {
            _to = to;
        }

        await WaitForEventsBeforeAsync(to, delivery, cancellationToken);

        lock (Sync)
        {
            return new GcPauseRecord([.. _pauses], _gen2Blocking, _gen2Background);
        }
    }

    protected override EventLevel Level => EventLevel.Informational;

    protected override void OnGcEvent(EventWrittenEventArgs eventData, DateTime at)
    {
        string? name = eventData.EventName;
        if (name is null)
        {
            return;
        }

        if (name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal))
        {
            uint reason = Field(eventData, "Reason");
            if (reason is SuspendForGc or SuspendForGcPrep)
            {
                _suspended = at;
                _deepest = -1;
                _background = false;
            }
        }
        else if (name.StartsWith("GCStart", StringComparison.Ordinal))
        {
            int depth = (int)Field(eventData, "Depth");
            bool background = Field(eventData, "Type") == BackgroundGc;
            if (depth == 2 && at >= _from && at < _to)
            {
                if (background)
                {
                    _gen2Background++;
                }
                else
                {
                    _gen2Blocking++;
                }
            }

            if (background)
            {
                _backgroundRunning = Field(eventData, "Count");
            }

            if (_suspended is not null && depth > _deepest)
            {
                _deepest = depth;
                _background = background;
            }
        }
        else if (name.StartsWith("GCEnd", StringComparison.Ordinal) && Field(eventData, "Count") == _backgroundRunning)
        {
            _backgroundRunning = null;
        }
        else if (name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal) && _suspended is { } began)
        {
            if (began >= _from && began < _to)
            {
                // A stop with no collection started inside it while a background one runs is that collection's own
                // second suspension (the end of its marking).
                _pauses.Add(_deepest < 0 && _backgroundRunning is not null
                    ? new GcPause(began, at, 2, Background: true)
                    : new GcPause(began, at, _deepest, _background));
            }

            _suspended = null;
        }
    }

    private static uint Field(EventWrittenEventArgs eventData, string name) =>
        RuntimeGcEvents.Field(eventData, name) is { } value ? Convert.ToUInt32(value, CultureInfo.InvariantCulture) : 0;
}

/// <summary>One stop of the runtime for a collection: when it began and ended (UTC), the deepest generation collected
/// inside it (-1 when the collection's start was not seen), and whether that was a background gen-2 collection's
/// suspension (its marking then ran beside the threads).</summary>
internal readonly record struct GcPause(DateTime Began, DateTime Ended, int Generation, bool Background)
{
    /// <summary>How long the threads stood still.</summary>
    public TimeSpan Duration => Ended - Began;
}

/// <summary>What <see cref="GcPauseMonitor"/> saw over a measured run.</summary>
/// <param name="Pauses">Every stop for a collection that began inside the run, in order.</param>
/// <param name="Gen2Blocking">Blocking gen-2 collections (full, compacting or sweeping, every thread stopped throughout).</param>
/// <param name="Gen2Background">Background gen-2 collections.</param>
internal sealed record GcPauseRecord(IReadOnlyList<GcPause> Pauses, int Gen2Blocking, int Gen2Background)
{
    /// <summary>
    /// The same pauses moved onto the pickup files' clock by the run's lag (<see cref="FileClockLag"/>), each as long as it
    /// was: to be set against a mail's publish → file, which is on that clock (session 18; before, the runtime's fine times
    /// against the coarse ends placed every pause up to a tick or two late).
    /// </summary>
    public GcPauseRecord OnFileClock(FileClockLag fileClock)
    {
        ArgumentNullException.ThrowIfNull(fileClock);
        return this with { Pauses = [.. Pauses.Select(p => p with { Began = fileClock.ToFileClock(p.Began), Ended = fileClock.ToFileClock(p.Ended) })] };
    }

    /// <summary>Pause time of the collections inside [<paramref name="from"/>, <paramref name="to"/>]: how long the runtime
    /// stood still while one mail was between its publish and its file.</summary>
    public TimeSpan PauseWithin(DateTime from, DateTime to)
    {
        var sum = TimeSpan.Zero;
        foreach (var pause in Pauses)
        {
            var begin = pause.Began > from ? pause.Began : from;
            var end = pause.Ended < to ? pause.Ended : to;
            if (end > begin)
            {
                sum += end - begin;
            }
        }

        return sum;
    }
}
