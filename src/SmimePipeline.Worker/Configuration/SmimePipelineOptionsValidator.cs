using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Postgres;

namespace SmimePipeline.Worker.Configuration;

/// <summary>Refuses to start a worker whose settings cannot work, naming the setting to fix.</summary>
public sealed class SmimePipelineOptionsValidator : IValidateOptions<SmimePipelineOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmimePipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string s = SmimePipelineOptions.SectionName;

        if (options.Roles == WorkerRoles.None || (options.Roles & ~(WorkerRoles.All | WorkerRoles.Webhooks)) != 0)
        {
            failures.Add($"{s}:Roles must be Signer, Sender, Webhooks or a comma-separated combination such as \"Signer,Sender\" (was '{options.Roles}').");
        }

        if (!Enum.IsDefined(options.Transport))
        {
            failures.Add($"{s}:Transport must be InMemory or RabbitMq (was '{options.Transport}').");
        }

        if (options.Transport == TransportKind.RabbitMq)
        {
            var uri = options.RabbitMq.Uri;
            if (uri is null)
            {
                failures.Add($"{s}:RabbitMq:Uri is required when {s}:Transport is RabbitMq.");
            }
            else if (!uri.IsAbsoluteUri || (uri.Scheme != "amqp" && uri.Scheme != "amqps" && uri.Scheme != "rabbitmq" && uri.Scheme != "rabbitmqs"))
            {
                failures.Add($"{s}:RabbitMq:Uri must be an amqp:// or amqps:// URI (was scheme '{uri.Scheme}').");
            }

            if (options.RabbitMq.SendTimeout <= TimeSpan.Zero)
            {
                failures.Add($"{s}:RabbitMq:SendTimeout must be positive (was {options.RabbitMq.SendTimeout}).");
            }

            if (options.RabbitMq.DeliveryLimit is < 0 or > 1000)
            {
                failures.Add($"{s}:RabbitMq:DeliveryLimit must be 0 (off) or 1-1000 (was {options.RabbitMq.DeliveryLimit}).");
            }

            if (options.RabbitMq.PasswordFile is { Length: > 0 } file && !File.Exists(file))
            {
                failures.Add($"{s}:RabbitMq:PasswordFile '{file}' does not exist.");
            }
        }

        if (!Enum.IsDefined(options.Signer.DeliverInProcess))
        {
            failures.Add($"{s}:Signer:DeliverInProcess must be Off, FreePlace or WaitForPlace (was '{options.Signer.DeliverInProcess}').");
        }

        if (options.Roles.HasFlag(WorkerRoles.Signer))
        {
            if (string.IsNullOrWhiteSpace(options.Signer.StorePath))
            {
                failures.Add($"{s}:Signer:StorePath is required for the Signer role (the certificate store directory).");
            }
            else if (!Directory.Exists(options.Signer.StorePath))
            {
                failures.Add($"{s}:Signer:StorePath '{options.Signer.StorePath}' does not exist; create it with 'smime certs import-signer'.");
            }

            if (options.Directory.Provider == DirectoryProvider.Postgres && string.IsNullOrWhiteSpace(options.Directory.Postgres))
            {
                failures.Add($"{s}:Directory:Postgres (a connection string) is required when {s}:Directory:Provider is Postgres.");
            }

            // The connection string holds the password: the problem names the setting, never its value.
            var pool = new PostgresPoolSettings(PostgresRecipientDirectory.StoreName, $"{s}:Directory:MaxConnections", $"{s}:Directory:Postgres");
            if (options.Directory.MaxConnections < 0)
            {
                failures.Add($"{s}:Directory:MaxConnections must be 0 (derived from {s}:Signer:Concurrency) or between 1 and {PostgresPoolBound.MostConnections} (was {options.Directory.MaxConnections}).");
            }
            else if (PostgresPoolBound.Problem(options.Directory.Provider == DirectoryProvider.Postgres ? options.Directory.Postgres : null, PostgresPoolDefaults.DirectoryMaxConnections(options), pool) is { } problem)
            {
                failures.Add(problem);
            }

            if (options.Directory.PasswordFile is { Length: > 0 } passwordFile && !File.Exists(passwordFile))
            {
                failures.Add($"{s}:Directory:PasswordFile '{passwordFile}' does not exist.");
            }

            if (options.Signer.IdentitiesPath is { Length: > 0 } identities && !Directory.Exists(identities))
            {
                failures.Add($"{s}:Signer:IdentitiesPath '{identities}' does not exist.");
            }

            if (!Enum.IsDefined(options.Signer.DeliverEmailFormat))
            {
                failures.Add($"{s}:Signer:DeliverEmailFormat must be Binary or Json (was '{options.Signer.DeliverEmailFormat}').");
            }

            if (options.Signer.Concurrency < 0)
            {
                failures.Add($"{s}:Signer:Concurrency must be 0 (one per core) or more (was {options.Signer.Concurrency}).");
            }

            if (options.Signer.InFlight < 0)
            {
                failures.Add($"{s}:Signer:InFlight must be 0 ({SignerOptions.DefaultInFlightPerSlot} per protected mail) or more (was {options.Signer.InFlight}).");
            }

            if (options.Signer.LargeMailThresholdBytes is not 0 and < MinLargeMailThresholdBytes)
            {
                failures.Add($"{s}:Signer:LargeMailThresholdBytes must be 0 (every mail alike) or at least {MinLargeMailThresholdBytes} (was {options.Signer.LargeMailThresholdBytes}).");
            }

            if (options.Signer.LargeMailSlots < 0)
            {
                failures.Add($"{s}:Signer:LargeMailSlots must be 0 (all slots but one) or more (was {options.Signer.LargeMailSlots}).");
            }

            ValidateRetryPeriod(failures, $"{s}:Signer:KeyUnavailableRetryPeriod", options.Signer.KeyUnavailableRetryPeriod);
            ValidateRetryPeriod(failures, $"{s}:Signer:DirectoryUnavailableRetryPeriod", options.Signer.DirectoryUnavailableRetryPeriod);

            if (options.Signer.LargeMailNice is < 0 or > 19)
            {
                failures.Add($"{s}:Signer:LargeMailNice must be between 0 (large mails on the consumer's thread) and 19 (was {options.Signer.LargeMailNice}).");
            }
        }

        if (options.Roles.HasFlag(WorkerRoles.Sender))
        {
            Sending.SenderOptionsValidation.Validate(options.Sender, $"{s}:Sender", failures);
        }

        if (options.ClaimCheck.ThresholdBytes < 1)
        {
            failures.Add($"{s}:ClaimCheck:ThresholdBytes must be at least 1 (was {options.ClaimCheck.ThresholdBytes}).");
        }

        if (options.MaxMessageBytes is < MinMaxMessageBytes or > MaxMaxMessageBytes)
        {
            failures.Add($"{s}:MaxMessageBytes must be between {MinMaxMessageBytes} and {MaxMaxMessageBytes} (was {options.MaxMessageBytes}).");
        }

        ValidateClaimCheck(options, failures);

        if (options.Health.RecoveryTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{s}:Health:RecoveryTimeout must be positive (was {options.Health.RecoveryTimeout}).");
        }

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{s}:ShutdownTimeout must be positive (was {options.ShutdownTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The smallest non-zero <see cref="SignerOptions.LargeMailThresholdBytes"/>: 16 KiB (the client's claim check floor).</summary>
    public const int MinLargeMailThresholdBytes = 16 * 1024;

    /// <summary>The smallest allowed <see cref="SmimePipelineOptions.MaxMessageBytes"/>: 64 KiB.</summary>
    public const int MinMaxMessageBytes = 64 * 1024;

    /// <summary>The largest allowed <see cref="SmimePipelineOptions.MaxMessageBytes"/>: 100,000,000 (its JSON body stays below RabbitMQ's 128 MiB ceiling).</summary>
    public const int MaxMaxMessageBytes = 100_000_000;

    private static IReadOnlyList<TimeSpan>? TryParseSchedule(string? schedule)
    {
        try
        {
            return Sending.DurationList.Parse(schedule);
        }
        catch (FormatException)
        {
            // Reported by the sender's own validation, naming Sender:RetrySchedule.
            return null;
        }
    }

    /// <summary>A long retry's period (a PKCS#11 token, the directory): 1 s to 20 min, below RabbitMQ's 30-minute consumer timeout.</summary>
    private static void ValidateRetryPeriod(List<string> failures, string setting, TimeSpan period)
    {
        if (period < TimeSpan.FromSeconds(1) || period > TimeSpan.FromMinutes(20))
        {
            failures.Add($"{setting} must be between 00:00:01 and 00:20:00 (was {period}).");
        }
    }

    private static void ValidateClaimCheck(SmimePipelineOptions options, List<string> failures)
    {
        const string s = SmimePipelineOptions.SectionName;
        var claims = options.ClaimCheck;
        if (claims.SweepInterval <= TimeSpan.Zero)
        {
            failures.Add($"{s}:ClaimCheck:SweepInterval must be positive (was {claims.SweepInterval}).");
        }

        if (claims.Retention <= TimeSpan.Zero)
        {
            failures.Add($"{s}:ClaimCheck:Retention must be positive (was {claims.Retention}).");
            return;
        }

        // A claim of mail still waiting on the retry ladder must never be swept.
        if (options.Roles.HasFlag(WorkerRoles.Sender) && TryParseSchedule(options.Sender.RetrySchedule) is { } ladder)
        {
            var wait = ladder.Aggregate(TimeSpan.Zero, (sum, step) => sum + step) + TimeSpan.FromHours(1);
            if (claims.Retention < wait)
            {
                failures.Add($"{s}:ClaimCheck:Retention ({claims.Retention}) must be at least the whole retry ladder plus an hour ({wait}), or claims of mail waiting for a retry would be swept.");
            }
        }
    }
}
