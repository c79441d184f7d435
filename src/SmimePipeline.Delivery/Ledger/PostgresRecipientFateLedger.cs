using System.Data.Common;
using Npgsql;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>The per-recipient story in the delivery ledger's PostgreSQL database, shared by every webhooks worker.</summary>
public sealed class PostgresRecipientFateLedger : SqlRecipientFateLedger, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Connects with <paramref name="connectionString"/> (Npgsql syntax).</summary>
    public PostgresRecipientFateLedger(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    /// <inheritdoc />
    protected override string CreateTablesSql =>
        "CREATE TABLE IF NOT EXISTS smime_recipient_events (event_id TEXT PRIMARY KEY, mail_id TEXT NOT NULL, recipient TEXT NOT NULL, " +
        "kind TEXT NOT NULL, esp_event_type TEXT NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, provider TEXT NOT NULL, provider_message_id TEXT NULL, " +
        "bounce_class INTEGER NULL, hard INTEGER NULL, remote_answer TEXT NULL, published INTEGER NOT NULL); " +
        "CREATE INDEX IF NOT EXISTS smime_recipient_events_mail ON smime_recipient_events (mail_id); " +
        "CREATE INDEX IF NOT EXISTS smime_recipient_events_kind ON smime_recipient_events (kind, occurred_at); " +
        "CREATE TABLE IF NOT EXISTS smime_webhook_batches (batch_id TEXT PRIMARY KEY, done_at TIMESTAMPTZ NOT NULL)";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
