using System.Data.Common;
using Npgsql;
using SmimePipeline.Postgres;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The ledger in PostgreSQL, shared by senders on several nodes. It holds at most <see cref="MaxConnections"/> connections
/// (<see cref="PostgresPoolBound"/>): each statement takes one from the pool and gives it back when it ends, and none is
/// held while the ESP is called.
/// </summary>
public sealed class PostgresDeliveryLedger : SqlDeliveryLedger, IAsyncDisposable
{
    /// <summary>
    /// The bound when none is given: 10, the sender's default <c>Sender:Concurrency</c>. A delivery runs its ledger
    /// statements one after another, so a sender never has more statements in flight than mails it hands over at once,
    /// and at that bound none of them waits for a connection. The worker derives the bound from its own concurrency
    /// (<see cref="DeliveryLedgerOptions.MaxConnections"/>).
    /// </summary>
    public const int DefaultMaxConnections = 10;

    /// <summary>How the ledger is named in the messages of <see cref="PostgresPoolBound"/>.</summary>
    public const string StoreName = "the delivery ledger";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>
    /// Connects with <paramref name="connectionString"/> (Npgsql syntax), with <c>No Reset On Close</c> always on:
    /// the ledger's connections never change their session state (no <c>SET</c>, temporary tables, locks or
    /// listeners), so resetting each one on its return to the pool (<c>DISCARD ALL</c>) would only cost every
    /// statement after an open; measured ≈ 15 % of the client's CPU per mail.
    /// </summary>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="maxConnections">
    /// The most connections the ledger holds at once (or the connection string's <c>Maximum Pool Size</c> when lower).
    /// </param>
    /// <exception cref="ArgumentException">
    /// The connection string is empty or not valid Npgsql syntax, turns pooling off, or asks for a minimum pool above the
    /// bound; or <paramref name="maxConnections"/> is outside 1–<see cref="PostgresPoolBound.MostConnections"/>.
    /// </exception>
    public PostgresDeliveryLedger(string connectionString, int maxConnections = DefaultMaxConnections)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        MaxConnections = PostgresPoolBound.Apply(builder.ConnectionStringBuilder, connectionString, maxConnections, StoreName);
        _dataSource = builder.Build();
    }

    /// <summary>The most connections this ledger holds at once (its pool's <c>Maximum Pool Size</c>).</summary>
    public int MaxConnections { get; }

    /// <inheritdoc />
    protected override string CreateTableSql =>
        "CREATE TABLE IF NOT EXISTS smime_delivery_ledger (mail_id TEXT PRIMARY KEY, state TEXT NOT NULL, provider TEXT NOT NULL, " +
        "provider_message_id TEXT NULL, attempts INTEGER NOT NULL, updated_at TIMESTAMPTZ NOT NULL)";

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
        => await _dataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
