using Microsoft.Extensions.Options;
using SmimePipeline.Postgres;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>Checks <see cref="DeliveryLedgerOptions"/> at start-up, naming the setting to fix.</summary>
/// <param name="sectionPath">The configuration section the options are bound from, for messages.</param>
public sealed class DeliveryLedgerOptionsValidator(string sectionPath) : IValidateOptions<DeliveryLedgerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeliveryLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = PoolProblems(options).ToList();
        if (ProviderProblem(options) is { } problem)
        {
            failures.Insert(0, problem);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // Both pools of the ledger's database, each bounded by the rule every PostgreSQL store shares; the connection string
    // is checked only when PostgreSQL is the provider, and never quoted (it holds the password).
    private IEnumerable<string> PoolProblems(DeliveryLedgerOptions options)
    {
        string? connection = string.Equals(options.Provider, DeliveryLedgerOptions.Postgres, StringComparison.OrdinalIgnoreCase) ? options.PostgresConnectionString : null;
        var ledger = new PostgresPoolSettings(PostgresDeliveryLedger.StoreName, $"{sectionPath}:MaxConnections", $"{sectionPath}:PostgresConnectionString");
        var fates = new PostgresPoolSettings(PostgresRecipientFateLedger.StoreName, $"{sectionPath}:FateMaxConnections", $"{sectionPath}:PostgresConnectionString");
        if (options.MaxConnections < 0)
        {
            yield return $"{sectionPath}:MaxConnections must be 0 (derived) or between 1 and {PostgresPoolBound.MostConnections} (was {options.MaxConnections}).";
        }
        else if (PostgresPoolBound.Problem(connection, options.EffectiveMaxConnections, ledger) is { } problem)
        {
            yield return problem;
        }

        if (PostgresPoolBound.Problem(connection, options.FateMaxConnections, fates) is { } fateProblem)
        {
            yield return fateProblem;
        }
    }

    private string? ProviderProblem(DeliveryLedgerOptions options)
    {
        if (string.Equals(options.Provider, DeliveryLedgerOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(options.SqlitePath) ? $"{sectionPath}:SqlitePath is required when Provider is sqlite." : null;
        }

        if (string.Equals(options.Provider, DeliveryLedgerOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            {
                return $"{sectionPath}:PostgresConnectionString is required when Provider is postgres.";
            }

            return options.PostgresPasswordFile is { Length: > 0 } file && !File.Exists(file) ? $"{sectionPath}:PostgresPasswordFile '{file}' does not exist." : null;
        }

        return $"{sectionPath}:Provider must be 'sqlite' or 'postgres' (was '{options.Provider}').";
    }
}
