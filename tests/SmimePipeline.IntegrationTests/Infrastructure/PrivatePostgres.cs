using System.Security.Cryptography;
using Npgsql;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL server of a test's own (initdb, pg_ctl), on a free loopback port, with settings the shared server of
/// <c>scripts/test.sh</c> must not get (a low <c>max_connections</c>), and that a test may stop and start again. It
/// runs as the <c>postgres</c> user when the tests run as root (initdb refuses root), uses the binaries of the
/// <c>postgresql</c> package that <c>scripts/test.sh</c> installs, and is removed on dispose. TCP logins need the
/// password; the superuser logs in through the private socket directory only.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    /// <summary>The login role the code under test uses: not a superuser, so the reserved slots are not its.</summary>
    public const string Role = "claims";

    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(120);
    private readonly string _directory;
    private readonly string _bin;
    private readonly int _maxConnections;
    private bool _running;

    private PrivatePostgres(string directory, string bin, int port, int maxConnections, string password)
    {
        _directory = directory;
        _bin = bin;
        _maxConnections = maxConnections;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Database = Role,
            Username = Role,
            Password = password,
        }.ConnectionString;
    }

    /// <summary>The port it listens on (the same after a restart).</summary>
    public int Port { get; }

    /// <summary>Npgsql connection string of <see cref="Role"/> over TCP, database <see cref="Role"/>.</summary>
    public string ConnectionString { get; }

    /// <summary>Connections <see cref="Role"/> can have: <c>max_connections</c> minus the 3 reserved for superusers.</summary>
    public int NonSuperuserSlots => _maxConnections - 3;

    /// <summary>The server's log so far (for a failure message, or to look for an error it logged).</summary>
    public string Log => File.Exists(LogPath) ? ReadShared(LogPath) : string.Empty;

    private string DataPath => Path.Combine(_directory, "data");

    private string SocketPath => Path.Combine(_directory, "socket");

    private string LogPath => Path.Combine(_directory, "server.log");

    /// <summary>Creates and starts a server with <paramref name="maxConnections"/> (<c>superuser_reserved_connections</c> 3).</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL's binaries are missing, or initdb or pg_ctl failed (their output says why).</exception>
    public static async Task<PrivatePostgres> StartAsync(int maxConnections)
    {
        var bin = FindBinaries();
        var directory = Directory.CreateTempSubdirectory("smime-pg-").FullName;
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("A private PostgreSQL is started with the Debian package's binaries, on Linux.");
        }

        // The postgres user must reach the directory; only it writes there.
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var server = new PrivatePostgres(directory, bin, FreePort(), maxConnections, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        try
        {
            Directory.CreateDirectory(server.DataPath);
            Directory.CreateDirectory(server.SocketPath);
            if (IsRoot)
            {
                await RunAsync("chown", ["-R", "postgres", directory]);
            }

            await server.RunAsPostgresAsync(Path.Combine(bin, "initdb"), ["-D", server.DataPath, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"]);
            await server.StartAgainAsync();
            var password = new NpgsqlConnectionStringBuilder(server.ConnectionString).Password;
            await server.RunAsPostgresAsync("psql", [
                "-q", "-h", server.SocketPath, "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                "-c", $"CREATE ROLE {Role} LOGIN PASSWORD '{password}'", "-c", $"CREATE DATABASE {Role} OWNER {Role}"]);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended, as in a fail-over or a restart).</summary>
    public async Task StopAsync()
    {
        await RunAsPostgresAsync(Path.Combine(_bin, "pg_ctl"), ["-D", DataPath, "-m", "fast", "-w", "-t", "120", "stop"]);
        _running = false;
    }

    /// <summary>Starts the server (again) on the same port, with the same settings; returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await RunAsPostgresAsync(Path.Combine(_bin, "pg_ctl"), [
            "-D", DataPath, "-l", LogPath, "-w", "-t", "120",
            "-o", $"-p {port} -k {SocketPath} -c listen_addresses=127.0.0.1 -c max_connections={_maxConnections} -c superuser_reserved_connections=3 -c fsync=off",
            "start"]);
        _running = true;
    }

    /// <summary>How many sessions <see cref="Role"/> has open now (asked as the superuser, over the socket).</summary>
    public Task<int> SessionsOfRoleAsync() => CountSessionsAsync("usename", Role);

    /// <summary>
    /// How many sessions of <see cref="Role"/> whose <c>Application Name</c> is <paramref name="applicationName"/> are open
    /// now: one store's pool, when each store of a test connects under a name of its own.
    /// </summary>
    public Task<int> SessionsOfApplicationAsync(string applicationName) => CountSessionsAsync("application_name", applicationName);

    private async Task<int> CountSessionsAsync(string column, string value)
    {
        await using var connection = await OpenObserverAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM pg_stat_activity WHERE usename = '{Role}' AND {column} = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The superuser's connection that counts sessions. A burst of connection attempts above <c>max_connections</c> (what
    /// the pool-bound tests provoke on purpose) holds every slot for the instant each refused backend lives, the three
    /// reserved for the superuser included, so the observer itself can meet 53300 then: it tries again for up to 30 s (5 s
    /// until session 15: on a loaded machine a refused backend lives longer). The observer is not what these tests judge;
    /// the stores' own refusals are counted by the tests.
    /// </summary>
    private async Task<NpgsqlConnection> OpenObserverAsync()
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (true)
        {
            NpgsqlConnection? connection = new(SuperuserConnectionString);
            try
            {
                await connection.OpenAsync();
                var open = connection;
                connection = null;
                return open;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.TooManyConnections && TimeProvider.System.GetUtcNow() < deadline)
            {
                await Task.Delay(50);
            }
            finally
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }
    }

    /// <summary>Ends every session of <see cref="Role"/> (their pooled connections break, as after a fail-over).</summary>
    public async Task TerminateSessionsOfRoleAsync()
    {
        await using var connection = new NpgsqlConnection(SuperuserConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '{Role}'", connection);
        await command.ExecuteScalarAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            await StopAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private string SuperuserConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = SocketPath,
        Port = Port,
        Database = "postgres",
        Username = "postgres",
        Pooling = false,
    }.ConnectionString;

    private static bool IsRoot => Environment.UserName == "root";

    private Task RunAsPostgresAsync(string file, string[] args) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. args], LogPath) : RunAsync(file, args, LogPath);

    private static async Task RunAsync(string file, string[] args, string? logPath = null)
    {
        var result = await ExternalTool.RunAsync(file, args, timeout: ToolTimeout);
        if (result.ExitCode != 0)
        {
            var log = logPath is not null && File.Exists(logPath) ? ReadShared(logPath) : "(no server log)";
            throw new InvalidOperationException($"{file} {string.Join(' ', args.Take(4))}… exited {result.ExitCode}: {result.Stderr}\nserver log:\n{log}");
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string FindBinaries()
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        return found ?? throw new InvalidOperationException("PostgreSQL's initdb is not under /usr/lib/postgresql/*/bin: scripts/test.sh installs the postgresql package.");
    }

    // PostgreSQL needs its port named in advance, and StartAgainAsync reuses it after a stop: a port the kernel never
    // hands out to another process's bind(0) or outgoing connection in between.
    private static int FreePort() => LoopbackPorts.Unassigned();
}
