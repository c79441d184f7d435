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
