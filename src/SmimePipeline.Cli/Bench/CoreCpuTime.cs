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
    private readonly (long Busy, long Total)[]? _start = Read();

    /// <summary>Each core's busy share (0 to 1) since construction, in core order; null without /proc/stat or when no tick passed.</summary>
    public IReadOnlyList<double>? Utilisation
    {
        get
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

                shares[core] = Math.Round((end[core].Busy - _start[core].Busy) / (double)total, 3);
            }

            return shares;
        }
    }

    private static (long Busy, long Total)[]? Read()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return null;
        }

        // "cpuN user nice system idle iowait irq softirq steal guest guest_nice"; guest time is inside user. The
        // aggregate line is "cpu " (no number) and is skipped; cores appear in order.
        var cores = new List<(long, long)>();
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
            cores.Add((total - idle, total));
        }

        return cores.Count == 0 ? null : [.. cores];
    }
}
