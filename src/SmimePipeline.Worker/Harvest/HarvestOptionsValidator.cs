using System.Net;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Worker.Harvest;

/// <summary>Refuses harvest settings that cannot work, naming the setting.</summary>
public sealed class HarvestOptionsValidator : IValidateOptions<HarvestOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HarvestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Dkim))
        {
            failures.Add($"{HarvestOptions.SectionName}:Dkim must be Require, Relaxed or Off (was '{options.Dkim}').");
        }

        if (options.DnsServer is { Length: > 0 } server && ParseDnsServer(server) is null)
        {
            failures.Add($"{HarvestOptions.SectionName}:DnsServer must be an IP address with an optional port, e.g. 10.0.0.53 or 10.0.0.53:5353 (was '{server}').");
        }

        if (options.DnsTimeout <= TimeSpan.Zero || options.DnsTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{HarvestOptions.SectionName}:DnsTimeout must be between 0 and 1 minute (was {options.DnsTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The DNS server endpoint (port 53 when none is given), or null when the text is not one.</summary>
    public static IPEndPoint? ParseDnsServer(string text)
    {
        if (IPAddress.TryParse(text, out var address))
        {
            return new IPEndPoint(address, 53);
        }

        return IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0 ? endpoint : null;
    }
}
