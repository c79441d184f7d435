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
/// </summary>
public sealed class SqliteDeliveryLedger : SqlDeliveryLedger
{
    private readonly string _connectionString;

    /// <summary>Uses (and creates if needed) the database file at <paramref name="path"/>.</summary>
    public SqliteDeliveryLedger(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Default Timeout is also SQLite's busy timeout: concurrent senders wait for the write lock.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30 }.ToString();
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
}
