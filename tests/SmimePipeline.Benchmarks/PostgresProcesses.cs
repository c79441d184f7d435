using System.Globalization;
using SmimePipeline.Cli.Bench;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// One sample of a PostgreSQL server's processes' CPU ticks (<c>/proc/PID/stat</c> utime + stime + cutime + cstime, read by
/// the bench's own <see cref="ProcStat"/>), by
/// kind (from the process title: "postgres: checkpointer", …; anything else with a database in its title is a backend).
/// The postmaster itself and children that exited since the last sample (their CPU is in its cutime) count as "other".
/// Not bytes written: <c>/proc/PID/io</c> charges a page-cache write to whoever dirtied the page first, so a checkpoint
/// that rewrites pages a backend had just extended shows as zero; PostgreSQL's own counters say it better.
/// </summary>
internal sealed class PostgresProcesses
{
    private readonly Dictionary<string, long> _ticks = [];

    private PostgresProcesses()
    {
    }

    public static PostgresProcesses Sample(int postmaster)
    {
        var sample = new PostgresProcesses();
        sample.Add(postmaster, "other");
        foreach (var child in File.ReadAllText($"/proc/{postmaster}/task/{postmaster}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int pid = int.Parse(child, CultureInfo.InvariantCulture);
            sample.Add(pid, KindOf(pid));
        }

        return sample;
    }

    public long Ticks(string kind) => _ticks.GetValueOrDefault(kind);

    private static string KindOf(int pid)
    {
        string title;
        try
        {
            title = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "other";
        }

        foreach (var kind in new[] { "checkpointer", "background writer", "walwriter", "autovacuum" })
        {
            if (title.Contains(kind, StringComparison.Ordinal))
            {
                return kind;
            }
        }

        return title.Contains("launcher", StringComparison.Ordinal) || title.Contains("archiver", StringComparison.Ordinal) ? "other" : "backend";
    }

    private void Add(int pid, string kind)
    {
        // A process that exited between the listing and the read has no stat left: its CPU is in the postmaster's cutime now.
        if (ProcStat.TryRead(pid) is { } stat)
        {
            _ticks[kind] = Ticks(kind) + stat.OwnTicks + stat.ReapedChildrenTicks;
        }
    }
}
