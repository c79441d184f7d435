using System.CommandLine;
using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Which delivery ledger a <c>mail</c> command reads: the SQLite file (<c>--ledger PATH</c>, default
/// <c>$SMIME_LEDGER</c>, else the worker's default <c>.smime/delivery-ledger.db</c>) or PostgreSQL
/// (<c>--ledger-postgres CONNSTRING</c>, default <c>$SMIME_LEDGER_POSTGRES</c>).
/// </summary>
internal static class LedgerOption
{
    public const string PathVariable = "SMIME_LEDGER";
    public const string PostgresVariable = "SMIME_LEDGER_POSTGRES";

    public static Option<string?> CreatePath() => new("--ledger")
    {
        Description = $"The SQLite delivery ledger (default: ${PathVariable}, else .smime/delivery-ledger.db).",
        Recursive = true,
    };

    public static Option<string?> CreatePostgres() => new("--ledger-postgres")
    {
        Description = $"Read the PostgreSQL ledger at this Npgsql connection string (default: ${PostgresVariable}).",
        Recursive = true,
    };

    /// <summary>Opens both views of the ledger the options name.</summary>
    /// <exception cref="CliException">The SQLite file does not exist.</exception>
    public static (IDeliveryLedger Mails, IRecipientFateLedger Fates) Open(ParseResult parseResult, Option<string?> path, Option<string?> postgres)
    {
        var connectionString = parseResult.GetValue(postgres) ?? Environment.GetEnvironmentVariable(PostgresVariable);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return (new PostgresDeliveryLedger(connectionString), new PostgresRecipientFateLedger(connectionString));
        }

        var file = parseResult.GetValue(path) ?? Environment.GetEnvironmentVariable(PathVariable) ?? new DeliveryLedgerOptions().SqlitePath;
        if (!File.Exists(file))
        {
            throw new CliException($"the delivery ledger {file} does not exist (give --ledger PATH or --ledger-postgres CONNSTRING).");
        }

        return (new SqliteDeliveryLedger(file), new SqliteRecipientFateLedger(file));
    }
}
