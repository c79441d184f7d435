using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The CPU time (user + system, all threads) another process used since construction, from Linux's
/// <c>/proc/&lt;pid&gt;/stat</c>: <c>bench pipeline --broker-pid</c> reads the broker's (RabbitMQ's <c>beam.smp</c>)
/// so that the CPU per mail splits into this process, the broker and the rest of the machine.
/// </summary>
internal sealed class ProcessCpuTime
{
    /// <summary>
    /// The unit of utime and stime in /proc (USER_HZ). It is part of Linux's user-space ABI and is 100 on
    /// every architecture .NET runs on, whatever the kernel's own tick rate.
    /// </summary>
    private const double TicksPerSecond = 100;

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
    public TimeSpan Elapsed => TimeSpan.FromSeconds((ReadTicks(_pid) - _start) / TicksPerSecond);

    private static long ReadTicks(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the CPU time of process {pid} from /proc/{pid}/stat (no such process, or not Linux): {e.Message}", e);
        }

        // "pid (comm) state ppid ... utime stime ...": comm may hold spaces and parentheses, so fields are
        // counted after the last ')'; utime and stime are fields 14 and 15, i.e. 12th and 13th after it.
        var fields = text[(text.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
