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
}
