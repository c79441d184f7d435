using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The calling thread's time on a CPU and its time runnable but waiting for one, in nanoseconds, from Linux's
/// <c>/proc/thread-self/schedstat</c> (the scheduler's own clock, not 10 ms ticks). A benchmark thread that waited
/// was held back by the machine (other processes, or this process's own other threads: the GC, the JIT), not by its work.
/// </summary>
/// <param name="RunNanoseconds">Time the thread ran on a CPU.</param>
/// <param name="WaitNanoseconds">Time the thread was runnable and waited in a run queue.</param>
/// <param name="Timeslices">
/// How many times the thread was put on a CPU (the kernel's third field): a thread that never blocks and shows no new
/// timeslice between two readings ran uninterrupted between them, no other task took its CPU in the guest.
/// </param>
internal readonly record struct ThreadSchedStat(long RunNanoseconds, long WaitNanoseconds, long Timeslices = 0)
{
    /// <summary>The calling thread's figures, or null where the kernel does not offer them (not Linux, no schedstats).</summary>
    public static ThreadSchedStat? TryReadCurrentThread()
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/thread-self/schedstat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "run_ns wait_ns timeslices"
        var fields = text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 3
            && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out long run)
            && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long wait)
            && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out long timeslices)
            ? new ThreadSchedStat(run, wait, timeslices)
            : null;
    }

    /// <summary>The time between <paramref name="earlier"/> and this reading.</summary>
    public ThreadSchedStat Since(ThreadSchedStat earlier) =>
        new(RunNanoseconds - earlier.RunNanoseconds, WaitNanoseconds - earlier.WaitNanoseconds, Timeslices - earlier.Timeslices);
}
