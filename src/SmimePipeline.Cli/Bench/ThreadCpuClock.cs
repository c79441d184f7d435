namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The calling thread's CPU time from <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>, in nanoseconds. Unlike the run time in
/// <c>/proc/thread-self/schedstat</c> (<see cref="ThreadSchedStat"/>), which the kernel brings up to date only at a tick
/// or a reschedule and so lags a running thread by up to one tick (4 ms at this kernel's 250 Hz), the clock call
/// charges the running slice first: exact to the nanosecond, which slices of a few tens of milliseconds need.
/// </summary>
internal static class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>The calling thread's CPU time in nanoseconds, or null where the call is not available (not Linux).</summary>
    public static long? TryNowNanoseconds() => LibcClock.TryNanoseconds(ClockThreadCpuTimeId);
}
