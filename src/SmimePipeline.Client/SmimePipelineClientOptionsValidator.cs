using Microsoft.Extensions.Options;

namespace SmimePipeline.Client;

/// <summary>Refuses a client limit that cannot work, naming the setting.</summary>
public sealed class SmimePipelineClientOptionsValidator : IValidateOptions<SmimePipelineClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmimePipelineClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.MaxMessageBytes is >= 64 * 1024 and <= 100_000_000
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"SmimePipeline:MaxMessageBytes must be between {64 * 1024} and 100000000 (was {options.MaxMessageBytes}).");
    }
}
