namespace SmimePipeline.Delivery.Ledger;

/// <summary>Where the delivery ledger lives (section <c>SmimePipeline:Delivery:Ledger</c>).</summary>
public sealed class DeliveryLedgerOptions
{
    /// <summary>The SQLite provider name.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The PostgreSQL provider name.</summary>
    public const string Postgres = "postgres";

    /// <summary>
    /// "sqlite" (default: an embedded file, right for one sender or senders sharing one volume) or
    /// "postgres" (senders on several nodes share one ledger).
    /// </summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>The SQLite database file. Default <c>.smime/delivery-ledger.db</c>; created if missing.</summary>
    public string SqlitePath { get; set; } = ".smime/delivery-ledger.db";

    /// <summary>Npgsql connection string; required for "postgres". The table is created if missing.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>A file holding the PostgreSQL password (a mounted Secret); it overrides a password in the connection string.</summary>
    public string? PostgresPasswordFile { get; set; }

    /// <summary>
    /// The most PostgreSQL connections one process holds for the delivery ledger (its pool's <c>Maximum Pool Size</c>,
    /// or the connection string's own when lower; <c>Pooling=false</c> is refused). 0 (default) = derived by the host:
    /// the worker takes <c>Sender:Concurrency</c> for the sender role (a delivery's statements run one after another,
    /// and none is held while the ESP is called, so no statement ever waits for a connection) plus
    /// 4 (<see cref="PostgresRecipientFateLedger.DefaultMaxConnections"/>) for the webhooks role's look-ups; anything else
    /// using these options gets <see cref="PostgresDeliveryLedger.DefaultMaxConnections"/> (10). Else 1 to 1,000.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// The most PostgreSQL connections one process holds for the recipient-fate ledger (the webhooks role's store in the
    /// same database, a pool of its own). Default <see cref="PostgresRecipientFateLedger.DefaultMaxConnections"/> (4);
    /// 1 to 1,000.
    /// </summary>
    public int FateMaxConnections { get; set; } = PostgresRecipientFateLedger.DefaultMaxConnections;

    /// <summary>The delivery ledger's bound: <see cref="MaxConnections"/>, or <see cref="PostgresDeliveryLedger.DefaultMaxConnections"/> when it is 0.</summary>
    public int EffectiveMaxConnections => MaxConnections == 0 ? PostgresDeliveryLedger.DefaultMaxConnections : MaxConnections;

    /// <summary>The connection string with the password from <see cref="PostgresPasswordFile"/>, when one is given.</summary>
    public string ResolvePostgresConnectionString()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(PostgresConnectionString);
        if (PostgresPasswordFile is { Length: > 0 } file)
        {
            builder.Password = File.ReadAllText(file).Trim();
        }

        return builder.ConnectionString;
    }
}
