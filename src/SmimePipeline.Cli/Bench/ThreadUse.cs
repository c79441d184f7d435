namespace SmimePipeline.Cli.Bench;

/// <summary>
/// How a throughput measurement used the machine's CPUs (issue 17, target 3's two threads): a wall-clock ratio of
/// 2 threads to 1 is the product of how much CPU the workers got (<see cref="WorkerCpuPerSecond"/>, at most the thread
/// count) and how much work each CPU-second did (<see cref="MessagesPerWorkerCpuSecond"/>), so the two say whether threads
/// lost to the machine (waiting for a CPU, a slower CPU-second) or to the process (its other threads' CPU, locks).
/// </summary>
/// <param name="WorkerCpuPerSecond">The worker threads' CPU-seconds per wall second, all together.</param>
/// <param name="WorkerWaitPerSecond">Seconds per wall second the worker threads were runnable but waited for a CPU, all together.</param>
/// <param name="ProcessCpuPerSecond">The whole process's CPU-seconds per wall second (the GC's and JIT's threads included).</param>
/// <param name="MessagesPerWorkerCpuSecond">Messages per CPU-second of the worker threads.</param>
internal sealed record ThreadUse(double WorkerCpuPerSecond, double WorkerWaitPerSecond, double ProcessCpuPerSecond, double MessagesPerWorkerCpuSecond)
{
    /// <summary>The figures of <paramref name="measurement"/>, or null where the kernel gives no per-thread schedule.</summary>
    public static ThreadUse? From(ThroughputHarness.Measurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        if (measurement.Workers is not { } workers || measurement.Seconds <= 0 || workers.RunNanoseconds <= 0)
        {
            return null;
        }

        double seconds = measurement.Seconds;
        return new ThreadUse(
            Math.Round(workers.RunNanoseconds / 1e9 / seconds, 3),
            Math.Round(workers.WaitNanoseconds / 1e9 / seconds, 3),
            Math.Round(measurement.ProcessCpu.TotalSeconds / seconds, 3),
            Math.Round(measurement.Operations / (workers.RunNanoseconds / 1e9), 1));
    }
}
