using System.Globalization;
using Npgsql;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The CPU time (user + system) a PostgreSQL server on this machine used since construction: its postmaster and every
/// process it started (the backends that serve the claim check, the WAL writer, the checkpointer, autovacuum), from
/// Linux's /proc. <c>bench pipeline --postgres</c> reports it per mail beside the broker's, so that the machine's CPU per
/// mail splits into smime, RabbitMQ, PostgreSQL and the rest. The server is found from one backend's process id
/// (<c>pg_backend_pid()</c>): its parent is the postmaster. A backend that ended during the run is still counted (the
/// postmaster has reaped it: its time moved into the postmaster's children's time).
/// </summary>
internal sealed class PostgresServerCpuTime
{
    private readonly int _postmaster;
    private readonly long _start;

    private PostgresServerCpuTime(int postmaster, long start)
    {
        _postmaster = postmaster;
        _start = start;
    }

    /// <summary>CPU time the server's processes used since construction; null when the postmaster is gone.</summary>
    public TimeSpan? Elapsed => ReadTicks(_postmaster) is { } now ? TimeSpan.FromSeconds((now - _start) / ProcStat.TicksPerSecond) : null;

    /// <summary>
    /// Starts counting for the server <paramref name="connectionString"/> reaches, or returns no meter and the reason why
    /// when that server's processes are not on this machine (another host, another PID namespace).
    /// </summary>
    /// <exception cref="NpgsqlException">The server cannot be reached.</exception>
    public static async Task<(PostgresServerCpuTime? Meter, string? Why)> StartAsync(string connectionString, CancellationToken cancellationToken)
    {
        int backend;
        ProcStat? stat;
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", connection);
            backend = (int)(await command.ExecuteScalarAsync(cancellationToken))!;
            // The backend ends when the connection closes: its parent is read while it is open.
            stat = ProcStat.TryRead(backend);
        }

        if (stat is not { } found || !IsPostgres(found.ParentPid) || ReadTicks(found.ParentPid) is not { } start)
        {
            return (null, $"PostgreSQL's backend {backend} is not a process of this machine (a server on another host?): its CPU is not reported");
        }

        return (new PostgresServerCpuTime(found.ParentPid, start), null);
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/comm").Trim() is "postgres" or "postmaster";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The postmaster's own and reaped children's ticks plus those of its children alive now.</summary>
    private static long? ReadTicks(int postmaster)
    {
        if (ProcStat.TryRead(postmaster) is not { } server)
        {
            return null;
        }

        long ticks = server.OwnTicks + server.ReapedChildrenTicks;
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != postmaster && ProcStat.TryRead(pid) is { } child && child.ParentPid == postmaster)
            {
                ticks += child.OwnTicks + child.ReapedChildrenTicks;
            }
        }

        return ticks;
    }
}
