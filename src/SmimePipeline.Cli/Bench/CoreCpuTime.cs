using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// How busy each core of the machine was over an interval, from the per-core <c>cpuN</c> lines of Linux's
/// <c>/proc/stat</c> (any process, the kernel's softirq and I/O work included): with the broker pinned to one core and
/// smime to another (<c>scripts/bench.sh</c> target 4), each core's busy share is the utilisation the capacity model's
/// queueing terms need. Elsewhere (no /proc/stat) the figures are null.
/// </summary>
internal sealed class CoreCpuTime
{
    private readonly (long Busy, long Interrupt, long Total)[]? _start = Read();

    /// <summary>Each core's busy share (0 to 1) since construction, in core order; null without /proc/stat or when no tick passed.</summary>
    public IReadOnlyList<double>? Utilisation => Shares(c => c.Busy);

    /// <summary>
    /// Each core's share (0 to 1) spent in hardware and software interrupts since construction (the kernel's network
    /// work for loopback traffic runs there, charged to no process), in core order; null as for <see cref="Utilisation"/>.
    /// </summary>
    public IReadOnlyList<double>? InterruptShare => Shares(c => c.Interrupt);

    private double[]? Shares(Func<(long Busy, long Interrupt, long Total), long> part)
    {
        var end = Read();
        if (_start is null || end is null || end.Length != _start.Length)
        {
            return null;
        }

        var shares = new double[end.Length];
        for (int core = 0; core < end.Length; core++)
        {
            long total = end[core].Total - _start[core].Total;
            if (total <= 0)
            {
                return null;
            }

            shares[core] = Math.Round((part(end[core]) - part(_start[core])) / (double)total, 3);
        }

        return shares;
    }

    private static (long Busy, long Interrupt, long Total)[]? Read()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return null;
        }

        // "cpuN user nice system idle iowait irq softirq steal guest guest_nice"; guest time is inside user; irq and
        // softirq (fields 6 and 7) are the interrupt share. The
        // aggregate line is "cpu " (no number) and is skipped; cores appear in order.
        var cores = new List<(long, long, long)>();
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsAsciiDigit(line[3]))
            {
                continue;
            }

            long[] ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
            long idle = ticks[3] + ticks[4];
            long total = ticks.Sum();
            cores.Add((total - idle, ticks[5] + ticks[6], total));
        }

        return cores.Count == 0 ? null : [.. cores];
    }
}
