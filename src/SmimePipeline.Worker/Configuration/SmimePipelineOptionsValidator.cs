using Microsoft.Extensions.Options;

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

            if (options.RabbitMq.PasswordFile is { Length: > 0 } file && !File.Exists(file))
            {
                failures.Add($"{s}:RabbitMq:PasswordFile '{file}' does not exist.");
            }
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

            if (options.Directory.PasswordFile is { Length: > 0 } passwordFile && !File.Exists(passwordFile))
            {
                failures.Add($"{s}:Directory:PasswordFile '{passwordFile}' does not exist.");
            }

            if (options.Signer.IdentitiesPath is { Length: > 0 } identities && !Directory.Exists(identities))
            {
                failures.Add($"{s}:Signer:IdentitiesPath '{identities}' does not exist.");
            }

            if (options.Signer.Concurrency < 0)
            {
                failures.Add($"{s}:Signer:Concurrency must be 0 (one per core) or more (was {options.Signer.Concurrency}).");
            }

            if (options.Signer.InFlight < 0)
            {
                failures.Add($"{s}:Signer:InFlight must be 0 (4 per protected mail) or more (was {options.Signer.InFlight}).");
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

        if (options.ShutdownTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{s}:ShutdownTimeout must be positive (was {options.ShutdownTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
