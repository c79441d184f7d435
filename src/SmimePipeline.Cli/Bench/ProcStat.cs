using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// One process's line of Linux's <c>/proc/&lt;pid&gt;/stat</c>, read once: its parent and its CPU time in clock ticks
/// (USER_HZ), its own and its reaped children's.
/// </summary>
internal readonly record struct ProcStat(int ParentPid, long OwnTicks, long ReapedChildrenTicks)
{
    /// <summary>
    /// The unit of utime and stime in /proc (USER_HZ). It is part of Linux's user-space ABI and is 100 on
    /// every architecture .NET runs on, whatever the kernel's own tick rate.
    /// </summary>
    public const double TicksPerSecond = 100;

    /// <summary>Process <paramref name="pid"/>'s figures, or null when its /proc entry cannot be read (gone, or not Linux).</summary>
    public static ProcStat? TryRead(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ... utime stime cutime cstime ...": comm may hold spaces and parentheses, so fields are
        // counted after the last ')'; ppid is field 4 (2nd after it), utime to cstime fields 14-17 (12th-15th after it).
        var fields = text[(text.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new ProcStat(
            int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture),
            long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture));
    }
}
