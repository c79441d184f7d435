using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using SmimePipeline.Postgres;

namespace SmimePipeline.CertificateDirectory.Registration;

/// <summary>Validates <see cref="SmimeCertificatesOptions"/>; every failure names the setting.</summary>
public sealed partial class SmimeCertificatesOptionsValidator : IValidateOptions<SmimeCertificatesOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmimeCertificatesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        // A PostgreSQL directory can be read and written without a file store (smime certs show --postgres);
        // everything that needs signer keys or the store's anchors asks for the store and fails there.
        if (string.IsNullOrWhiteSpace(options.StorePath) && options.Provider == RecipientDirectoryProvider.Sqlite && string.IsNullOrWhiteSpace(options.SqlitePath))
        {
            failures.Add("StorePath is required: the certificate store directory (it also holds the SQLite directory).");
        }

        if (options.Provider == RecipientDirectoryProvider.Postgres && string.IsNullOrWhiteSpace(options.Postgres))
        {
            failures.Add("Postgres (a connection string) is required when the directory provider is Postgres.");
        }

        // The connection string holds the password: the problem names the setting, never its value.
        var pool = new PostgresPoolSettings(PostgresRecipientDirectory.StoreName, "PostgresMaxConnections", "Postgres");
        string? connection = options.Provider == RecipientDirectoryProvider.Postgres ? options.Postgres : null;
        if (options.PostgresMaxConnections < 0)
        {
            failures.Add($"PostgresMaxConnections must be 0 (the default of {PostgresRecipientDirectory.DefaultMaxConnections}) or between 1 and {PostgresPoolBound.MostConnections} (was {options.PostgresMaxConnections}).");
        }
        else if (PostgresPoolBound.Problem(connection, options.EffectivePostgresMaxConnections, pool) is { } problem)
        {
            failures.Add(problem);
        }

        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add($"Provider '{options.Provider}' is not Sqlite or Postgres.");
        }

        if (!Enum.IsDefined(options.Revocation))
        {
            failures.Add($"Revocation '{options.Revocation}' is not Strict, Lenient or Off.");
        }

        if (!TablePrefixPattern().IsMatch(options.TablePrefix))
        {
            failures.Add($"TablePrefix '{options.TablePrefix}' may hold only a-z, 0-9 and '_'.");
        }

        if (options.CacheLifetime < TimeSpan.Zero)
        {
            failures.Add("CacheLifetime must not be negative.");
        }

        if (options.RevocationTimeout <= TimeSpan.Zero)
        {
            failures.Add("RevocationTimeout must be positive.");
        }

        if (options.PostgresPasswordFile is { Length: > 0 } file && !File.Exists(file))
        {
            failures.Add($"PostgresPasswordFile '{file}' does not exist.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex TablePrefixPattern();
}
