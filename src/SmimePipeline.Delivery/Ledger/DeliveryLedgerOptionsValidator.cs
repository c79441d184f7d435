using Microsoft.Extensions.Options;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>Checks <see cref="DeliveryLedgerOptions"/> at start-up, naming the setting to fix.</summary>
/// <param name="sectionPath">The configuration section the options are bound from, for messages.</param>
public sealed class DeliveryLedgerOptionsValidator(string sectionPath) : IValidateOptions<DeliveryLedgerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeliveryLedgerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.Equals(options.Provider, DeliveryLedgerOptions.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            return string.IsNullOrWhiteSpace(options.SqlitePath)
                ? ValidateOptionsResult.Fail($"{sectionPath}:SqlitePath is required when Provider is sqlite.")
                : ValidateOptionsResult.Success;
        }

        if (string.Equals(options.Provider, DeliveryLedgerOptions.Postgres, StringComparison.OrdinalIgnoreCase))
        {
            if (string.IsNullOrWhiteSpace(options.PostgresConnectionString))
            {
                return ValidateOptionsResult.Fail($"{sectionPath}:PostgresConnectionString is required when Provider is postgres.");
            }

            return options.PostgresPasswordFile is { Length: > 0 } file && !File.Exists(file)
                ? ValidateOptionsResult.Fail($"{sectionPath}:PostgresPasswordFile '{file}' does not exist.")
                : ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail($"{sectionPath}:Provider must be 'sqlite' or 'postgres' (was '{options.Provider}').");
    }
}
