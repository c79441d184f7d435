namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The CPU time (user + system, all threads) another process used since construction, from Linux's
/// <c>/proc/&lt;pid&gt;/stat</c>: <c>bench pipeline --broker-pid</c> reads the broker's (RabbitMQ's <c>beam.smp</c>)
/// so that the CPU per mail splits into this process, the broker and the rest of the machine.
/// </summary>
internal sealed class ProcessCpuTime
{
    private readonly int _pid;
    private readonly long _start;

    /// <summary>Starts counting for process <paramref name="pid"/>.</summary>
    /// <exception cref="InvalidOperationException">There is no readable /proc/<paramref name="pid"/>/stat (no such process, or not Linux).</exception>
    public ProcessCpuTime(int pid)
    {
        _pid = pid;
        _start = ReadTicks(pid);
    }

    /// <summary>CPU time the process used since construction.</summary>
    /// <exception cref="InvalidOperationException">The process ended.</exception>
    public TimeSpan Elapsed => TimeSpan.FromSeconds((ReadTicks(_pid) - _start) / ProcStat.TicksPerSecond);

    private static long ReadTicks(int pid) => ProcStat.TryRead(pid)?.OwnTicks
        ?? throw new InvalidOperationException($"Cannot read the CPU time of process {pid} from /proc/{pid}/stat (no such process, or not Linux).");
}
