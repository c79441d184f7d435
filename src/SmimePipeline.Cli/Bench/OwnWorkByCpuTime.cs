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
/// wall-clock pairs of 400 ms, stays beside it for continuity (docs/performance-log.md "Issue 17, session 14: target 3 and 4 figures that hold").
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
/// <param name="FastFloorPairs">Pairs whose floor slice ran within <see cref="FastFloorMargin"/> of the run's fastest floor slices (their 10th percentile, CPU per message).</param>
/// <param name="FastFloorShare">
/// Own work ÷ floor by CPU time pooled over those pairs: where the floor, which no neighbour's cache use slows much, ran at
/// full speed, the host was not slowing this core, and the protect slice beside it (50 ms away) most likely was not either.
/// </param>
/// <param name="JitSettleSeconds">How long the pairs waited, protecting, for the tiered JIT to go quiet (<see cref="SettleJit"/>).</param>
/// <param name="JitMethodsCompiled">Methods the JIT compiled (any thread) while the pairs ran: 0 when every method had reached its final tier.</param>
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
    double? ZeroDescheduleShare,
    int FastFloorPairs,
    double FastFloorShare,
    double JitSettleSeconds,
    long JitMethodsCompiled)
{
    /// <summary>How far above the run's 10th-percentile floor slice a floor slice may be and still count as full speed.</summary>
    public const double FastFloorMargin = 0.05;

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

        double settled = SettleJit(protectOne, floor);
        var jit = new JitActivity();
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

        // Read before the figures below are computed: their first calls compile methods of their own (≈ 220, LINQ's).
        long jitMethods = jit.MethodsCompiled;
        var all = Enumerable.Range(0, pairs).ToArray();
        var clean = all.Where(i => protects[i].Clean && floors[i].Clean).ToArray();
        bool onClean = clean.Length >= Math.Max(Groups, CleanQuorum * pairs);
        var basis = onClean ? clean : all;
        double floorMicroseconds = Pooled(floors, basis, s => s.CpuNanoseconds);
        double own = Pooled(protects, basis, s => s.CpuNanoseconds) - floorMicroseconds;
        var groupShares = basis.Chunk((int)Math.Ceiling(basis.Length / (double)Groups))
            .Select(g => Share(protects, floors, g, s => s.CpuNanoseconds)).ToArray();
        double protectCpu = protects.Sum(s => (double)s.CpuNanoseconds);
        var floorSpeeds = floors.Select(s => (double)s.CpuNanoseconds / Math.Max(s.Operations, 1)).ToArray();
        double fastest = floorSpeeds.Order().ElementAt(pairs / 10);
        var fastFloor = all.Where(i => floorSpeeds[i] <= fastest * (1 + FastFloorMargin)).ToArray();
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
            ZeroDescheduleMicroseconds(protects) is { } p0 && ZeroDescheduleMicroseconds(floors) is { } f0 ? Math.Round((p0 - f0) / f0, 3) : null,
            fastFloor.Length,
            Math.Round(Share(protects, floors, fastFloor, s => s.CpuNanoseconds), 3),
            settled,
            jitMethods);
    }

    /// <summary>
    /// Protects and floors until the tiered JIT has compiled nothing for <see cref="JitQuietOperations"/> protects in a row,
    /// at most <see cref="JitSettleLimit"/>; returns the seconds it took. The warm-up before is wall time: on a busy host a
    /// thread that got a tenth of its core had a tenth of the warm-up, and methods still at tier 0 or instrumented would
    /// count as own work.
    /// </summary>
    private static double SettleJit(Action protectOne, CryptoFloorWorker floor)
    {
        var clock = Stopwatch.StartNew();
        long methods = JitActivity.TotalMethodsCompiled;
        int quiet = 0;
        while (quiet < JitQuietOperations && clock.Elapsed < JitSettleLimit)
        {
            protectOne();
            floor.RunOne();
            long now = JitActivity.TotalMethodsCompiled;
            quiet = now == methods ? quiet + 1 : 0;
            methods = now;
        }

        return Math.Round(clock.Elapsed.TotalSeconds, 2);
    }

    /// <summary>Protects in a row without a method compiled that count as a quiet JIT: 500 (≈ 0.25 s of thread CPU, standard).</summary>
    private const int JitQuietOperations = 500;

    /// <summary>The longest the pairs wait for the JIT: 30 s.</summary>
    private static readonly TimeSpan JitSettleLimit = TimeSpan.FromSeconds(30);

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
