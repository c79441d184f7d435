using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Pickup;
using SmimePipeline.Delivery.Smtp;
using SmimePipeline.Delivery.SparkPost;

namespace SmimePipeline.Delivery;

/// <summary>
/// Checks <see cref="DeliveryOptions"/> at start-up, naming the configuration key to fix in
/// every message (e.g. "SmimePipeline:Delivery:Smtp:Host is required when Provider is smtp").
/// </summary>
/// <param name="sectionPath">The configuration section the options are bound from, for messages.</param>
public sealed class DeliveryOptionsValidator(string sectionPath) : IValidateOptions<DeliveryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (IsProvider(options, PickupDirectoryTransport.TransportName))
        {
            if (string.IsNullOrWhiteSpace(options.Pickup.Directory))
            {
                failures.Add($"{sectionPath}:Pickup:Directory is required when Provider is pickup.");
            }
        }
        else if (IsProvider(options, SmtpTransport.TransportName))
        {
            ValidateSmtp(options.Smtp, failures);
        }
        else if (IsProvider(options, SparkPostTransport.TransportName))
        {
            ValidateSparkPost(options.SparkPost, failures);
        }
        else
        {
            failures.Add($"{sectionPath}:Provider must be 'pickup', 'smtp' or 'sparkpost' (was '{options.Provider}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsProvider(DeliveryOptions options, string transportName)
        => string.Equals(options.Provider, transportName, StringComparison.OrdinalIgnoreCase);

    private void ValidateSparkPost(SparkPostOptions sparkPost, List<string> failures)
    {
        var prefix = $"{sectionPath}:SparkPost";
        var hasKey = !string.IsNullOrEmpty(sparkPost.ApiKey);
        var hasKeyFile = !string.IsNullOrEmpty(sparkPost.ApiKeyFile);
        if (hasKey == hasKeyFile)
        {
            failures.Add($"{prefix}:ApiKey or {prefix}:ApiKeyFile is required when Provider is sparkpost (set exactly one).");
        }

        if (hasKeyFile && !File.Exists(sparkPost.ApiKeyFile))
        {
            failures.Add($"{prefix}:ApiKeyFile '{sparkPost.ApiKeyFile}' does not exist.");
        }

        if (!Enum.IsDefined(sparkPost.Region))
        {
            failures.Add($"{prefix}:Region must be Us or Eu.");
        }

        if (sparkPost.BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback)))
        {
            failures.Add($"{prefix}:BaseUrl must be an absolute https URL (plain http only on loopback) (was '{url}').");
        }

        if (sparkPost.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}:Timeout must be positive (was {sparkPost.Timeout}).");
        }

        if (sparkPost.MaxConnections < 1)
        {
            failures.Add($"{prefix}:MaxConnections must be at least 1 (was {sparkPost.MaxConnections}).");
        }

        if (sparkPost.MaxContentBytes < 1)
        {
            failures.Add($"{prefix}:MaxContentBytes must be positive (was {sparkPost.MaxContentBytes}).");
        }
    }

    private void ValidateSmtp(SmtpOptions smtp, List<string> failures)
    {
        var prefix = $"{sectionPath}:Smtp";
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            failures.Add($"{prefix}:Host is required when Provider is smtp.");
        }

        if (smtp.Port is < 1 or > 65535)
        {
            failures.Add($"{prefix}:Port must be between 1 and 65535 (was {smtp.Port}).");
        }

        if (!Enum.IsDefined(smtp.Security))
        {
            failures.Add($"{prefix}:Security must be None, StartTls, StartTlsWhenAvailable or SslOnConnect.");
        }

        if (smtp.MaxMessagesPerConnection < 1)
        {
            failures.Add($"{prefix}:MaxMessagesPerConnection must be at least 1 (was {smtp.MaxMessagesPerConnection}).");
        }

        if (smtp.MaxConnections < 1)
        {
            failures.Add($"{prefix}:MaxConnections must be at least 1 (was {smtp.MaxConnections}).");
        }

        if (smtp.Timeout <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}:Timeout must be positive (was {smtp.Timeout}).");
        }

        var hasPassword = !string.IsNullOrEmpty(smtp.Password);
        var hasPasswordFile = !string.IsNullOrEmpty(smtp.PasswordFile);
        if (hasPassword && hasPasswordFile)
        {
            failures.Add($"{prefix}:Password and {prefix}:PasswordFile are both set; set only one.");
        }

        if (hasPasswordFile && !File.Exists(smtp.PasswordFile))
        {
            failures.Add($"{prefix}:PasswordFile '{smtp.PasswordFile}' does not exist.");
        }

        if (!string.IsNullOrEmpty(smtp.UserName) && !hasPassword && !hasPasswordFile)
        {
            failures.Add($"{prefix}:UserName is set but neither {prefix}:Password nor {prefix}:PasswordFile is.");
        }

        if (string.IsNullOrEmpty(smtp.UserName) && (hasPassword || hasPasswordFile))
        {
            failures.Add($"{prefix}:Password or PasswordFile is set but {prefix}:UserName is not.");
        }
    }
}
