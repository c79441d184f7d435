using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>The per-recipient story in the delivery ledger's SQLite file (WAL, as <see cref="SqliteDeliveryLedger"/>).</summary>
public sealed class SqliteRecipientFateLedger : SqlRecipientFateLedger
{
    private readonly string _connectionString;

    /// <summary>Uses (and creates if needed) the database file at <paramref name="path"/>.</summary>
    public SqliteRecipientFateLedger(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <inheritdoc />
    protected override string CreateTablesSql =>
        "PRAGMA journal_mode = WAL; " +
        "CREATE TABLE IF NOT EXISTS smime_recipient_events (event_id TEXT PRIMARY KEY, mail_id TEXT NOT NULL, recipient TEXT NOT NULL, " +
        "kind TEXT NOT NULL, esp_event_type TEXT NOT NULL, occurred_at TEXT NOT NULL, provider TEXT NOT NULL, provider_message_id TEXT NULL, " +
        "bounce_class INTEGER NULL, hard INTEGER NULL, remote_answer TEXT NULL, published INTEGER NOT NULL); " +
        "CREATE INDEX IF NOT EXISTS smime_recipient_events_mail ON smime_recipient_events (mail_id); " +
        "CREATE INDEX IF NOT EXISTS smime_recipient_events_kind ON smime_recipient_events (kind, occurred_at); " +
        "CREATE TABLE IF NOT EXISTS smime_webhook_batches (batch_id TEXT PRIMARY KEY, done_at TEXT NOT NULL)";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
