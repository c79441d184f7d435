using System.Data.Common;
using Npgsql;
using SmimePipeline.Postgres;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The per-recipient story in the delivery ledger's PostgreSQL database, shared by every webhooks worker. It holds at
/// most <see cref="MaxConnections"/> connections (<see cref="PostgresPoolBound"/>), one per statement in flight.
/// </summary>
public sealed class PostgresRecipientFateLedger : SqlRecipientFateLedger, IAsyncDisposable
{
    /// <summary>
    /// The bound when none is given (<see cref="DeliveryLedgerOptions.FateMaxConnections"/>): 4. Its statements come from
    /// the webhooks role's HTTP requests, which no consumer setting bounds: each batch of events is written one
    /// statement after another, SparkPost sends few batches at once, and a statement beyond the bound waits for a
    /// connection (up to the connection string's <c>Timeout</c>) rather than open one more; a batch not answered in time
    /// is sent again by SparkPost.
    /// </summary>
    public const int DefaultMaxConnections = 4;

    /// <summary>How the fate ledger is named in the messages of <see cref="PostgresPoolBound"/>.</summary>
    public const string StoreName = "the recipient-fate ledger";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Connects with <paramref name="connectionString"/> (Npgsql syntax); nothing is opened until the first call.</summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="maxConnections">
    /// The most connections the fate ledger holds at once (or the connection string's <c>Maximum Pool Size</c> when lower).
    /// </param>
    /// <exception cref="ArgumentException">
    /// The connection string is empty or not valid Npgsql syntax, turns pooling off, or asks for a minimum pool above the
    /// bound; or <paramref name="maxConnections"/> is outside 1–<see cref="PostgresPoolBound.MostConnections"/>.
    /// </exception>
    public PostgresRecipientFateLedger(string connectionString, int maxConnections = DefaultMaxConnections)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        MaxConnections = PostgresPoolBound.Apply(builder.ConnectionStringBuilder, connectionString, maxConnections, StoreName);
        _dataSource = builder.Build();
    }

    /// <summary>The most connections this ledger holds at once (its pool's <c>Maximum Pool Size</c>).</summary>
    public int MaxConnections { get; }

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
