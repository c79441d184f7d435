using Microsoft.Extensions.Options;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Refuses to start a webhooks role that cannot authenticate anyone or whose limits cannot work.</summary>
public sealed class WebhooksOptionsValidator : IValidateOptions<WebhooksOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, WebhooksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string s = WebhooksOptions.SectionName;
        var failures = new List<string>();
        var files = new[]
        {
            ("RelayTokenFile", options.RelayTokenFile), ("RawTokenFile", options.RawTokenFile),
            ("EventsPasswordFile", options.EventsPasswordFile), ("EventsBearerTokenFile", options.EventsBearerTokenFile),
        };
        if (files.All(f => string.IsNullOrWhiteSpace(f.Item2)))
        {
            failures.Add($"The Webhooks role needs at least one of {s}:RelayTokenFile, {s}:RawTokenFile, {s}:EventsPasswordFile or {s}:EventsBearerTokenFile.");
        }

        if (!string.IsNullOrWhiteSpace(options.EventsPasswordFile) && string.IsNullOrWhiteSpace(options.EventsUserName))
        {
            failures.Add($"{s}:EventsUserName is required with {s}:EventsPasswordFile (Basic authentication).");
        }

        foreach (var (setting, file) in files)
        {
            if (string.IsNullOrWhiteSpace(file))
            {
                continue;
            }

            if (!File.Exists(file))
            {
                failures.Add($"{s}:{setting} '{file}' does not exist.");
            }
            else if (WebhookSecret.ReadSecret(file).Length < WebhookSecret.MinimumLength)
            {
                failures.Add($"{s}:{setting} '{file}' must hold a secret of at least {WebhookSecret.MinimumLength} characters.");
            }
        }

        if (options.MaxMailBytes < 1)
        {
            failures.Add($"{s}:MaxMailBytes must be at least 1 (was {options.MaxMailBytes}).");
        }

        if (options.MaxRequestBytes < options.MaxMailBytes)
        {
            failures.Add($"{s}:MaxRequestBytes ({options.MaxRequestBytes}) must be at least {s}:MaxMailBytes ({options.MaxMailBytes}).");
        }

        if (options.MaxBatchEntries < 1)
        {
            failures.Add($"{s}:MaxBatchEntries must be at least 1 (was {options.MaxBatchEntries}).");
        }

        if (options.HandOverTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{s}:HandOverTimeout must be positive (was {options.HandOverTimeout}).");
        }
        else if ((options.ServesRelay || options.ServesEvents) && options.HandOverTimeout >= WebhooksOptions.SparkPostAnswerLimit)
        {
            failures.Add(
                $"{s}:HandOverTimeout ({options.HandOverTimeout}) must be below SparkPost's {WebhooksOptions.SparkPostAnswerLimit.TotalSeconds:0} s for a webhook " +
                "answer while /webhooks/sparkpost/relay or /webhooks/sparkpost/events is served: SparkPost counts a batch not answered " +
                "within that time as failed, sends it again and never reads a later answer. Remove the setting (default 8 s) or set it lower.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
