using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Postgres;

namespace SmimePipeline.Client;

/// <summary>Refuses a client limit that cannot work, naming the setting.</summary>
public sealed class SmimePipelineClientOptionsValidator : IValidateOptions<SmimePipelineClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmimePipelineClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxMessageBytes is < 64 * 1024 or > 100_000_000)
        {
            failures.Add($"SmimePipeline:MaxMessageBytes must be between {64 * 1024} and 100000000 (was {options.MaxMessageBytes}).");
        }

        if (options.LargeMailThresholdBytes != 0 && options.LargeMailThresholdBytes < 64 * 1024)
        {
            failures.Add($"SmimePipeline:LargeMailThresholdBytes must be 0 (no large-mail lane) or at least {64 * 1024} (was {options.LargeMailThresholdBytes}).");
        }

        if (options.ClaimCheckThresholdBytes != 0 && options.ClaimCheckThresholdBytes < 16 * 1024)
        {
            failures.Add($"SmimePipeline:ClaimCheckThresholdBytes must be 0 (no producer claim check) or at least {16 * 1024} (was {options.ClaimCheckThresholdBytes}).");
        }

        // The connection string holds the password: the problem names the setting, never its value.
        var pool = new PostgresPoolSettings(ProtectClaimStoreConnections.StoreName, "SmimePipeline:ClaimStoreMaxConnections", "SmimePipeline:ClaimStorePostgresConnectionString");
        if (PostgresPoolBound.Problem(options.ClaimStorePostgresConnectionString, options.ClaimStoreMaxConnections, pool) is { } problem)
        {
            failures.Add(problem);
        }

        if (options.ClaimStorePostgresPasswordFile is { Length: > 0 } passwordFile && !File.Exists(passwordFile))
        {
            failures.Add($"SmimePipeline:ClaimStorePostgresPasswordFile {passwordFile} does not exist.");
        }

        if (!Enum.IsDefined(options.MessageFormat))
        {
            failures.Add($"SmimePipeline:MessageFormat must be Binary or Json (was {(int)options.MessageFormat}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
