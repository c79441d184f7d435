using System.Diagnostics;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Our own work per message as target 3 means it, measured so that a shared host moves it as little as it can: many short
/// alternating slices of whole protects and of the crypto floor on one thread (protect first in even pairs, the floor first
/// in odd ones, so neither always runs on the other's caches), each timed by the thread's own CPU time
/// (<see cref="ThreadCpuClock"/>), and each checked for a deschedule (<see cref="ThreadSchedStat.Timeslices"/>: the thread
/// was put on a CPU again within the slice, so another task ran on its core and it came back to caches that task used).
/// The figure is the pooled share over the pairs in which neither slice was descheduled (<see cref="Basis"/> "clean"), or,
/// when fewer than a quarter of the pairs were clean, over all pairs by CPU time ("all"). <see cref="PairedOwnWork"/>,
/// wall-clock pairs of 400 ms, stays beside it for continuity (README "Issue 17, session 14: target 3 and 4 figures that hold").
/// </summary>
/// <param name="Pairs">Protect/floor pairs timed.</param>
/// <param name="SliceMilliseconds">Wall time of each slice.</param>
/// <param name="CleanPairs">Pairs in which neither slice was descheduled.</param>
/// <param name="Basis">"clean" when the figure pools the clean pairs, "all" when too few were clean and it pools all pairs.</param>
/// <param name="OwnMicroseconds">Own work per message: protect CPU µs per message − floor CPU µs per message, pooled over the basis.</param>
/// <param name="FloorMicroseconds">The floor's CPU µs per message, pooled over the basis.</param>
/// <param name="OwnShare">Own work ÷ floor: target 3's figure.</param>
/// <param name="OwnShareLow">The smallest share of the basis's pairs pooled in <see cref="Groups"/> consecutive groups.</param>
/// <param name="OwnShareHigh">The largest of those groups' shares: the spread within the run.</param>
/// <param name="AllPairsCpuShare">Own work ÷ floor pooled over all pairs by thread CPU time, descheduled ones included.</param>
/// <param name="AllPairsWallShare">Own work ÷ floor pooled over all pairs by wall time (what a wall clock would say of the same slices).</param>
/// <param name="ProtectDescheduledSlowdown">A protect's CPU time in descheduled slices ÷ in clean ones (null without both kinds): what coming back to cold caches costs our work.</param>
/// <param name="FloorDescheduledSlowdown">The same for the floor.</param>
/// <param name="OtherThreadsShare">The process's other threads' CPU (GC, JIT, timers) during the protect slices ÷ the protecting thread's.</param>
/// <param name="ProtectFirstCpuShare">Own work ÷ floor by CPU time over the pairs that ran the protect slice first (all of them).</param>
/// <param name="FloorFirstCpuShare">The same over the pairs that ran the floor first: the two differ when a slice pays for the other's caches.</param>
/// <param name="ZeroDescheduleShare">
/// Own work ÷ floor from each kind of slice's CPU µs per message extrapolated to no deschedule (least-squares intercept against
/// deschedules per message over all slices): a diagnostic of what the cold caches after deschedules add on a busy host.
/// </param>
internal sealed record OwnWorkByCpuTime(
    int Pairs,
    int SliceMilliseconds,
    int CleanPairs,
    string Basis,
    double OwnMicroseconds,
    double FloorMicroseconds,
    double OwnShare,
    double OwnShareLow,
    double OwnShareHigh,
    double AllPairsCpuShare,
    double AllPairsWallShare,
    double? ProtectDescheduledSlowdown,
    double? FloorDescheduledSlowdown,
    double OtherThreadsShare,
    double ProtectFirstCpuShare,
    double FloorFirstCpuShare,
    double? ZeroDescheduleShare)
{
    /// <summary>How many consecutive groups the basis's pairs are pooled in for the spread.</summary>
    public const int Groups = 5;

    /// <summary>The share of pairs that must be clean for the figure to rest on clean pairs alone.</summary>
    private const double CleanQuorum = 0.25;

    /// <summary>
    /// Times <paramref name="pairs"/> alternating slices of <paramref name="protectOne"/> and <paramref name="floor"/>; null
    /// where the kernel gives no thread CPU clock or schedstat (not Linux).
    /// </summary>
    public static OwnWorkByCpuTime? Measure(Action protectOne, CryptoFloorWorker floor, int pairs, TimeSpan slice)
    {
        ArgumentNullException.ThrowIfNull(protectOne);
        ArgumentNullException.ThrowIfNull(floor);
        if (ThreadCpuClock.TryNowNanoseconds() is null || ThreadSchedStat.TryReadCurrentThread() is null)
        {
            return null;
        }

        var protects = new Slice[pairs];
        var floors = new Slice[pairs];
        for (int i = 0; i < pairs; i++)
        {
            if (i % 2 == 0)
            {
                protects[i] = Slice.Time(protectOne, slice);
                floors[i] = Slice.Time(floor.RunOne, slice);
            }
            else
            {
                floors[i] = Slice.Time(floor.RunOne, slice);
                protects[i] = Slice.Time(protectOne, slice);
            }
        }

        var all = Enumerable.Range(0, pairs).ToArray();
        var clean = all.Where(i => protects[i].Clean && floors[i].Clean).ToArray();
        bool onClean = clean.Length >= Math.Max(Groups, CleanQuorum * pairs);
        var basis = onClean ? clean : all;
        double own = Pooled(protects, basis, s => s.CpuNanoseconds) - Pooled(floors, basis, s => s.CpuNanoseconds);
        double floorMicroseconds = Pooled(floors, basis, s => s.CpuNanoseconds);
        var groupShares = basis.Chunk((int)Math.Ceiling(basis.Length / (double)Groups))
            .Select(g => Share(protects, floors, g, s => s.CpuNanoseconds)).ToArray();
        double protectCpu = protects.Sum(s => (double)s.CpuNanoseconds);
        return new OwnWorkByCpuTime(
            pairs,
            (int)slice.TotalMilliseconds,
            clean.Length,
            onClean ? "clean" : "all",
            Math.Round(own, 1),
            Math.Round(floorMicroseconds, 1),
            Math.Round(own / floorMicroseconds, 3),
            Math.Round(groupShares.Min(), 3),
            Math.Round(groupShares.Max(), 3),
            Math.Round(Share(protects, floors, all, s => s.CpuNanoseconds), 3),
            Math.Round(Share(protects, floors, all, s => s.WallNanoseconds), 3),
            Slowdown(protects),
            Slowdown(floors),
            Math.Round(Math.Max(protects.Sum(s => (double)s.ProcessCpuNanoseconds) - protectCpu, 0) / protectCpu, 4),
            Math.Round(Share(protects, floors, all.Where(i => i % 2 == 0).ToArray(), s => s.CpuNanoseconds), 3),
            Math.Round(Share(protects, floors, all.Where(i => i % 2 == 1).ToArray(), s => s.CpuNanoseconds), 3),
            ZeroDescheduleMicroseconds(protects) is { } p0 && ZeroDescheduleMicroseconds(floors) is { } f0 ? Math.Round((p0 - f0) / f0, 3) : null);
    }

    /// <summary>(protect − floor) ÷ floor, each pooled over <paramref name="indices"/> (µs per message from summed time and counts).</summary>
    private static double Share(Slice[] protects, Slice[] floors, IReadOnlyList<int> indices, Func<Slice, long> time)
    {
        double floor = Pooled(floors, indices, time);
        return (Pooled(protects, indices, time) - floor) / floor;
    }

    /// <summary>µs per operation over the slices at <paramref name="indices"/>: their summed time ÷ their summed operations.</summary>
    private static double Pooled(Slice[] slices, IReadOnlyList<int> indices, Func<Slice, long> time) =>
        indices.Sum(i => (double)time(slices[i])) / 1000 / Math.Max(indices.Sum(i => slices[i].Operations), 1);

    /// <summary>
    /// CPU µs per operation at no deschedule: the intercept of a least-squares line of each slice's CPU µs per operation
    /// against its deschedules per operation (the mean when no slice was descheduled or all equally); null if a slice's
    /// deschedules are unknown.
    /// </summary>
    private static double? ZeroDescheduleMicroseconds(Slice[] slices)
    {
        if (slices.Any(s => s.Deschedules == long.MaxValue || s.Operations == 0))
        {
            return null;
        }

        var x = slices.Select(s => (double)s.Deschedules / s.Operations).ToArray();
        var y = slices.Select(s => s.CpuNanoseconds / 1000.0 / s.Operations).ToArray();
        double mx = x.Average(), my = y.Average();
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        double slope = sxx > 0 ? x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum() / sxx : 0;
        return my - (slope * mx);
    }

    private static double? Slowdown(Slice[] slices)
    {
        var clean = Enumerable.Range(0, slices.Length).Where(i => slices[i].Clean).ToArray();
        var descheduled = Enumerable.Range(0, slices.Length).Where(i => !slices[i].Clean).ToArray();
        return clean.Length == 0 || descheduled.Length == 0 ? null
            : Math.Round(Pooled(slices, descheduled, s => s.CpuNanoseconds) / Pooled(slices, clean, s => s.CpuNanoseconds), 3);
    }

    /// <summary>One timed slice: operations done, wall and thread CPU time, the process's CPU, and whether it was descheduled.</summary>
    private readonly record struct Slice(long Operations, long WallNanoseconds, long CpuNanoseconds, long ProcessCpuNanoseconds, long Deschedules)
    {
        /// <summary>No other task ran on the thread's CPU during the slice.</summary>
        public bool Clean => Deschedules == 0;

        public static Slice Time(Action operation, TimeSpan length)
        {
            var scheduled = ThreadSchedStat.TryReadCurrentThread();
            var process = Environment.CpuUsage.TotalTime;
            long cpu = ThreadCpuClock.TryNowNanoseconds() ?? 0;
            long start = Stopwatch.GetTimestamp();
            long end = start + (long)(length.TotalSeconds * Stopwatch.Frequency);
            long operations = 0;
            long now;
            do
            {
                operation();
                operations++;
                now = Stopwatch.GetTimestamp();
            }
            while (now < end);

            cpu = (ThreadCpuClock.TryNowNanoseconds() ?? 0) - cpu;
            process = Environment.CpuUsage.TotalTime - process;
            // A thread that never blocks shows a new timeslice only when it was taken off its CPU and put back.
            long deschedules = scheduled is { } before && ThreadSchedStat.TryReadCurrentThread() is { } after ? after.Since(before).Timeslices : long.MaxValue;
            return new Slice(operations, (long)Stopwatch.GetElapsedTime(start, now).TotalNanoseconds, cpu, (long)(process.TotalMilliseconds * 1e6), deschedules);
        }
    }
}
