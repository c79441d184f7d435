using System.Diagnostics;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Our own work per message measured in alternating slices: a slice of whole protects, then a slice of the crypto
/// floor, on the same thread, <see cref="Pairs"/> times, and own work = protect − floor within each pair. The single
/// figure (<see cref="ProtectBenchResult.MicrosecondsPerMessage"/> minus a floor timed afterwards) subtracts two
/// measurements taken seconds apart, so any change in the machine's speed between them (on this shared VM the floor
/// itself moved 400 → 541 µs between runs minutes apart) lands wholly in the small difference; a pair is timed within
/// a second, and the median over pairs drops the slices a neighbour disturbed.
/// </summary>
/// <param name="Pairs">How many protect/floor pairs were timed.</param>
/// <param name="SliceMilliseconds">How long each slice ran.</param>
/// <param name="OwnMicroseconds">The median over pairs of protect minus floor, µs per message.</param>
/// <param name="FloorMicroseconds">The median floor over pairs, µs per message.</param>
/// <param name="OwnShare">The median over pairs of own work ÷ floor.</param>
/// <param name="OwnShareMin">The smallest pair's own work ÷ floor.</param>
/// <param name="OwnShareMax">The largest pair's own work ÷ floor.</param>
internal sealed record PairedOwnWork(int Pairs, int SliceMilliseconds, double OwnMicroseconds, double FloorMicroseconds, double OwnShare, double OwnShareMin, double OwnShareMax)
{
    /// <summary>Times <paramref name="pairs"/> alternating slices of <paramref name="protectOne"/> and the floor of <paramref name="shape"/>.</summary>
    public static PairedOwnWork Measure(Action protectOne, BenchCertificateStore store, CryptoFloor.Shape shape, string cipher, int pairs, TimeSpan slice)
    {
        ArgumentNullException.ThrowIfNull(protectOne);
        var own = new double[pairs];
        var floors = new double[pairs];
        var shares = new double[pairs];
        for (int i = 0; i < pairs; i++)
        {
            long done = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < slice)
            {
                protectOne();
                done++;
            }

            double protect = clock.Elapsed.TotalMicroseconds / Math.Max(done, 1);
            floors[i] = CryptoFloor.Measure(store, shape, cipher, TimeSpan.Zero, slice).Microseconds;
            own[i] = protect - floors[i];
            shares[i] = own[i] / floors[i];
        }

        return new PairedOwnWork(
            pairs,
            (int)slice.TotalMilliseconds,
            Math.Round(Median(own), 1),
            Math.Round(Median(floors), 1),
            Math.Round(Median(shares), 3),
            Math.Round(shares.Min(), 3),
            Math.Round(shares.Max(), 3));
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
