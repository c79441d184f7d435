using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The CPU time of the whole machine and of this process over an interval, so that <c>bench pipeline</c>
/// can say how much CPU one mail costs and where (this process, or the broker and the kernel beside it).
/// Machine figures come from Linux's <c>/proc/stat</c>; elsewhere they are null.
/// </summary>
internal sealed class MachineCpuTime
{
    private readonly (long Busy, long Total)? _machineStart = ReadMachine();
    private readonly TimeSpan _processStart = Environment.CpuUsage.TotalTime;
    private readonly DateTime _wallStart = DateTime.UtcNow;

    /// <summary>CPU time this process used since construction.</summary>
    public TimeSpan ProcessElapsed => Environment.CpuUsage.TotalTime - _processStart;

    /// <summary>Busy CPU time of all cores since construction (any process, kernel included), or null without /proc/stat.</summary>
    public TimeSpan? MachineElapsed
    {
        get
        {
            var end = ReadMachine();
            if (_machineStart is not { } start || end is not { } now || now.Total <= start.Total)
            {
                return null;
            }

            // /proc/stat counts in USER_HZ ticks over all cores; the busy share of the ticks times the
            // core-seconds that passed gives busy CPU time without assuming the tick rate.
            double busyShare = (double)(now.Busy - start.Busy) / (now.Total - start.Total);
            return (DateTime.UtcNow - _wallStart) * Environment.ProcessorCount * busyShare;
        }
    }

    private static (long Busy, long Total)? ReadMachine()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return null;
        }

        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is inside user.
        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        long[] ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(t => long.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        long idle = ticks[3] + ticks[4];
        long total = ticks.Sum();
        return (total - idle, total);
    }
}
