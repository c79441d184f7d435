using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Postgres;

namespace SmimePipeline.Worker.Configuration;

/// <summary>Refuses producer claim settings that cannot work, naming the setting (never a connection string's value).</summary>
public sealed class ProducerClaimOptionsValidator : IValidateOptions<ProducerClaimOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ProducerClaimOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Section = ProducerClaimOptions.SectionName;
        var failures = new List<string>();
        if (options.ConsumedGracePeriod < TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Section}:ConsumedGracePeriod must be at least 1 minute, so that a command redelivered after a crash still finds its claim (was {options.ConsumedGracePeriod}).");
        }

        if (options.Retention <= options.ConsumedGracePeriod)
        {
            failures.Add($"{Section}:Retention must be longer than {Section}:ConsumedGracePeriod (was {options.Retention} against {options.ConsumedGracePeriod}).");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:SweepInterval must be at least 1 second (was {options.SweepInterval}).");
        }

        if (options.VacuumInterval < TimeSpan.Zero || (options.VacuumInterval > TimeSpan.Zero && options.VacuumInterval < TimeSpan.FromMilliseconds(100)))
        {
            failures.Add($"{Section}:VacuumInterval must be 0 (off) or at least 100 ms (was {options.VacuumInterval}).");
        }

        // The connection string holds the password: the problem names the setting, never its value.
        var pool = new PostgresPoolSettings(ProtectClaimStoreConnections.StoreName, $"{Section}:MaxConnections", $"{Section}:PostgresConnectionString");
        if (PostgresPoolBound.Problem(options.PostgresConnectionString, options.MaxConnections, pool) is { } problem)
        {
            failures.Add(problem);
        }

        if (options.UnavailableRetryPeriod < TimeSpan.FromSeconds(1) || options.UnavailableRetryPeriod > TimeSpan.FromMinutes(20))
        {
            failures.Add($"{Section}:UnavailableRetryPeriod must be between 1 second and 20 minutes, below RabbitMQ's consumer timeout (was {options.UnavailableRetryPeriod}).");
        }

        if (options.PostgresPasswordFile is { Length: > 0 } file && !File.Exists(file))
        {
            failures.Add($"{Section}:PostgresPasswordFile {file} does not exist.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
