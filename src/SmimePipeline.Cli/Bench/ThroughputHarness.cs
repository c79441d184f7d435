using System.Diagnostics;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Runs one operation on N dedicated threads for a fixed time and counts completions, allocations
/// (all threads, <see cref="GC.GetTotalAllocatedBytes(bool)"/>), large-object-heap bytes and full
/// collections. A warm-up phase first lets tiered JIT reach its optimised code and fills the pools.
/// </summary>
internal static class ThroughputHarness
{
    /// <summary>The measured figures of one phase.</summary>
    public sealed record Measurement(double Seconds, long Operations, long AllocatedBytes, long LargeObjectHeapBytes, int Gen2Collections)
    {
        /// <summary>Gen-0 collections during the measurement (gen 1 and 2 included, as the runtime counts them).</summary>
        public int Gen0Collections { get; init; }

        /// <summary>Gen-1 collections during the measurement.</summary>
        public int Gen1Collections { get; init; }

        /// <summary>Time the runtime was suspended for collections during the measurement.</summary>
        public TimeSpan GcPause { get; init; }

        /// <summary>
        /// The worker threads' time on a CPU and waiting for one, all workers together (<see cref="ThreadSchedStat"/>);
        /// null where the kernel does not say.
        /// </summary>
        public ThreadSchedStat? Workers { get; init; }

        /// <summary>CPU time of the whole process (every thread: workers, GC, JIT) during the measurement.</summary>
        public TimeSpan ProcessCpu { get; init; }
    }

    /// <param name="threads">How many threads run the operation at once.</param>
    /// <param name="warmup">Warm-up time, not measured.</param>
    /// <param name="duration">Measured time.</param>
    /// <param name="createWorker">Called once per thread (index) before the clock starts; returns the operation.</param>
    /// <param name="largeObjectHeap">Whether a further phase measures the large-object-heap bytes (0 without it).</param>
    public static Measurement Run(int threads, TimeSpan warmup, TimeSpan duration, Func<int, Action> createWorker, bool largeObjectHeap = true)
    {
        var workers = Enumerable.Range(0, threads).Select(createWorker).ToArray();
        if (warmup > TimeSpan.Zero)
        {
            RunPhase(workers, warmup, null);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var measured = RunPhase(workers, duration, null);
        if (!largeObjectHeap)
        {
            return measured;
        }

        // The large-object-heap figure comes from a separate, shorter phase: its EventListener receives a
        // GC event every ≈100 KB allocated on a thread of its own, which on a pinned core took time from the
        // workers and halved the throughput figure when it ran during the measured phase.
        using var loh = new LargeObjectHeapMonitor();
        var lohPhase = RunPhase(workers, TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, duration.Ticks / 3)), loh);
        long lohBytes = lohPhase.Operations == 0 ? 0 : (long)((double)lohPhase.LargeObjectHeapBytes / lohPhase.Operations * measured.Operations);
        return measured with { LargeObjectHeapBytes = lohBytes };
    }

    private static Measurement RunPhase(Action[] workers, TimeSpan duration, LargeObjectHeapMonitor? loh)
    {
        var counts = new long[workers.Length];
        var schedule = new ThreadSchedStat?[workers.Length];
        Exception? failure = null;
        using var start = new ManualResetEventSlim(false);
        using var failed = new ManualResetEventSlim(false);
        int stop = 0;
        var threads = new Thread[workers.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.Wait();
                var scheduled = ThreadSchedStat.TryReadCurrentThread();
                long done = 0;
                try
                {
                    while (Volatile.Read(ref stop) == 0)
                    {
                        workers[index]();
                        done++;
                    }
                }
                catch (Exception ex)
                {
                    // Handed to the caller below: a benchmark that fails must not report a figure.
                    Interlocked.CompareExchange(ref failure, ex, null);
                    Volatile.Write(ref stop, 1);
                    failed.Set();
                }

                counts[index] = done;
                if (scheduled is { } before && ThreadSchedStat.TryReadCurrentThread() is { } after)
                {
                    schedule[index] = after.Since(before);
                }
            })
            { IsBackground = true, Name = $"bench-{index}" };
            threads[i].Start();
        }

        loh?.Reset();
        int gen2 = GC.CollectionCount(2);
        int gen0 = GC.CollectionCount(0);
        int gen1 = GC.CollectionCount(1);
        var pause = GC.GetTotalPauseDuration();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var processCpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        start.Set();
        // The whole duration, or less when a worker failed.
        failed.Wait(duration);

        Volatile.Write(ref stop, 1);
        foreach (var thread in threads)
        {
            thread.Join();
        }

        clock.Stop();
        processCpu = Environment.CpuUsage.TotalTime - processCpu;
        if (failure is not null)
        {
            throw new InvalidOperationException($"The benchmark operation failed: {failure.GetType().Name}: {failure.Message}", failure);
        }

        return new Measurement(
            clock.Elapsed.TotalSeconds,
            counts.Sum(),
            GC.GetTotalAllocatedBytes(precise: true) - allocated,
            loh?.LargeObjectHeapBytes ?? 0,
            GC.CollectionCount(2) - gen2)
        {
            Gen0Collections = GC.CollectionCount(0) - gen0,
            Gen1Collections = GC.CollectionCount(1) - gen1,
            GcPause = GC.GetTotalPauseDuration() - pause,
            Workers = schedule.All(x => x is not null)
                ? new ThreadSchedStat(schedule.Sum(x => x!.Value.RunNanoseconds), schedule.Sum(x => x!.Value.WaitNanoseconds))
                : null,
            ProcessCpu = processCpu,
        };
    }
}
