using System.Data.Common;
using Npgsql;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>The ledger in PostgreSQL, shared by senders on several nodes.</summary>
public sealed class PostgresDeliveryLedger : SqlDeliveryLedger, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Connects with <paramref name="connectionString"/> (Npgsql syntax).</summary>
    public PostgresDeliveryLedger(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

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
