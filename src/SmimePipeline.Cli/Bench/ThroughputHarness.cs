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
    public sealed record Measurement(double Seconds, long Operations, long AllocatedBytes, long LargeObjectHeapBytes, int Gen2Collections);

    /// <param name="threads">How many threads run the operation at once.</param>
    /// <param name="warmup">Warm-up time, not measured.</param>
    /// <param name="duration">Measured time.</param>
    /// <param name="createWorker">Called once per thread (index) before the clock starts; returns the operation.</param>
    public static Measurement Run(int threads, TimeSpan warmup, TimeSpan duration, Func<int, Action> createWorker)
    {
        var workers = Enumerable.Range(0, threads).Select(createWorker).ToArray();
        if (warmup > TimeSpan.Zero)
        {
            RunPhase(workers, warmup, null);
        }

        using var loh = new LargeObjectHeapMonitor();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return RunPhase(workers, duration, loh);
    }

    private static Measurement RunPhase(Action[] workers, TimeSpan duration, LargeObjectHeapMonitor? loh)
    {
        var counts = new long[workers.Length];
        Exception? failure = null;
        using var start = new ManualResetEventSlim(false);
        int stop = 0;
        var threads = new Thread[workers.Length];
        for (int i = 0; i < workers.Length; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                start.Wait();
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
                }

                counts[index] = done;
            })
            { IsBackground = true, Name = $"bench-{index}" };
            threads[i].Start();
        }

        loh?.Reset();
        int gen2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        start.Set();
        // Stop early when a worker failed.
        while (clock.Elapsed < duration && Volatile.Read(ref stop) == 0)
        {
            Thread.Sleep(10);
        }

        Volatile.Write(ref stop, 1);
        foreach (var thread in threads)
        {
            thread.Join();
        }

        clock.Stop();
        if (failure is not null)
        {
            throw new InvalidOperationException($"The benchmark operation failed: {failure.GetType().Name}: {failure.Message}", failure);
        }

        return new Measurement(
            clock.Elapsed.TotalSeconds,
            counts.Sum(),
            GC.GetTotalAllocatedBytes(precise: true) - allocated,
            loh?.LargeObjectHeapBytes ?? 0,
            GC.CollectionCount(2) - gen2);
    }
}
