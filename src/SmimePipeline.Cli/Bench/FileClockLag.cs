namespace SmimePipeline.Cli.Bench;

/// <summary>
/// How far the pickup files' clock (<see cref="FileTimestampClock"/>, the kernel's coarse wall clock) runs behind the fine
/// one that spans and the runtime's GC events are stamped with, sampled at each publish of a measured run: the publish is
/// stamped on both clocks at once (<see cref="Stamp"/>). Issue 17, session 18: whatever is compared with a file's time must
/// be on the file's clock. The publish is stamped on it (session 17); a time taken on the fine clock (a GC pause, a span's
/// start) cannot be put on it exactly after the fact, because the coarse clock's lag behind the fine one is a saw-tooth
/// (0 at the tick, up to a tick or two before the next: 4–8 ms measured on this VM), so it is moved by the run's median lag
/// (<see cref="ToFileClock(DateTime)"/>): right on average, off by up to about a tick for one time, never biased. Elsewhere
/// than Linux both clocks are <see cref="DateTime.UtcNow"/> and the lag is 0.
/// </summary>
internal sealed class FileClockLag
{
    private readonly long[] _ticks;
    private int _count;
    private TimeSpan? _median;

    /// <summary>Room for <paramref name="capacity"/> samples (one per publish); later ones are not kept.</summary>
    public FileClockLag(int capacity) => _ticks = new long[Math.Max(capacity, 1)];

    /// <summary>The samples kept so far.</summary>
    public int Count => Math.Min(Volatile.Read(ref _count), _ticks.Length);

    /// <summary>
    /// Now on the file's clock (the publish's stamp, compared with its file's time later), after keeping the lag of the fine
    /// clock read right after it. Safe from several threads.
    /// </summary>
    public DateTime Stamp()
    {
        var onFileClock = FileTimestampClock.UtcNow;
        Add(DateTime.UtcNow - onFileClock);
        return onFileClock;
    }

    /// <summary>Keeps one lag (fine minus file clock). Safe from several threads.</summary>
    public void Add(TimeSpan lag)
    {
        int i = Interlocked.Increment(ref _count) - 1;
        if (i < _ticks.Length)
        {
            _ticks[i] = lag.Ticks;
        }
    }

    /// <summary>The median lag of the samples (0 without any); read once all samples are in: the first read fixes it.</summary>
    public TimeSpan Median => _median ??= ComputeMedian();

    /// <summary>A time read on the fine clock, moved onto the file's clock by <see cref="Median"/>.</summary>
    public DateTime ToFileClock(DateTime fine) => fine - Median;

    /// <summary>A time in UTC ticks read on the fine clock (0 = not seen, kept), moved onto the file's clock by <see cref="Median"/>.</summary>
    public long ToFileClock(long fineTicks) => fineTicks == 0 ? 0 : fineTicks - Median.Ticks;

    private TimeSpan ComputeMedian()
    {
        int n = Count;
        if (n == 0)
        {
            return TimeSpan.Zero;
        }

        var sorted = _ticks[..n];
        Array.Sort(sorted);
        return TimeSpan.FromTicks(n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2);
    }
}
