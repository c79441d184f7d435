using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The ledger in an embedded SQLite file (WAL journal: readers never block the writer, and a
/// committed row survives the process being killed). Commits are not fsynced one by one
/// (<c>synchronous = NORMAL</c>, the SQLite recommendation for WAL): every sender shares one writer,
/// and an fsync per ledger write capped a sender at a few hundred mails per second. A killed process
/// loses nothing; a machine that loses power may lose the last commits, and those mails are then
/// sent again (a duplicate, never a loss).
/// The ledger keeps its connections open, each with its statements prepared (<see cref="SqliteLedgerSession"/>), as many
/// as calls have run at once; a connection whose statement failed is closed, not used again. Dispose closes them.
/// </summary>
public sealed class SqliteDeliveryLedger : SqlDeliveryLedger, IDisposable
{
    private readonly string _connectionString;
    private readonly ConcurrentBag<SqliteLedgerSession> _idle = [];
    private bool _disposed;

    /// <summary>Uses (and creates if needed) the database file at <paramref name="path"/>.</summary>
    public SqliteDeliveryLedger(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Default Timeout is also SQLite's busy timeout: concurrent senders wait for the write lock. No pooling by the
        // provider: the ledger keeps its own open connections (sessions), and a closed one is closed for good.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = false, DefaultTimeout = 30 }.ToString();
    }

    /// <inheritdoc />
    protected override string CreateTableSql =>
        "PRAGMA journal_mode = WAL; " +
        "CREATE TABLE IF NOT EXISTS smime_delivery_ledger (mail_id TEXT PRIMARY KEY, state TEXT NOT NULL, provider TEXT NOT NULL, " +
        "provider_message_id TEXT NULL, attempts INTEGER NOT NULL, updated_at TEXT NOT NULL)";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous = NORMAL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }

        return connection;
    }

    /// <summary>Runs the statement on an idle session's prepared command (a new session when none is idle).</summary>
    private protected override async Task<T> RunAsync<T>(string sql, Action<DbCommand> bind, Func<DbCommand, Task<T>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(run);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_idle.TryTake(out var session))
        {
            await EnsureTableAsync(cancellationToken);
            session = new SqliteLedgerSession((SqliteConnection)await OpenConnectionAsync(cancellationToken));
        }

        T result;
        try
        {
            var command = session.Command(sql);
            bind(command);
            result = await run(command);
        }
        catch
        {
            // Whatever state the failure left the connection in, no later call inherits it.
            session.Dispose();
            throw;
        }

        _idle.Add(session);
        if (Volatile.Read(ref _disposed))
        {
            CloseIdle();
        }

        return result;
    }

    /// <summary>Closes the idle connections; calls still running close theirs when they end.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (_idle.TryTake(out var session))
        {
            session.Dispose();
        }
    }
}
