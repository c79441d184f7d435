using Microsoft.Extensions.Options;

namespace SmimePipeline.Cryptography.Options;

/// <summary>Refuses unknown names in <see cref="ProtectionOptions.AllowedAlgorithms"/> and a default that the allow-list forbids.</summary>
public sealed class ProtectionOptionsValidator : IValidateOptions<ProtectionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ProtectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var algorithm in options.AllowedAlgorithms)
        {
            if (!ProtectionOptions.KnownAlgorithmNames.Contains(algorithm, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{ProtectionOptions.SectionName}:AllowedAlgorithms contains '{algorithm}', which is not one of {string.Join(", ", ProtectionOptions.KnownAlgorithmNames)}.");
            }
        }

        if (options.ObscuredSubject.Contains('\r', StringComparison.Ordinal) || options.ObscuredSubject.Contains('\n', StringComparison.Ordinal))
        {
            failures.Add($"{ProtectionOptions.SectionName}:ObscuredSubject must be one line.");
        }

        if (options.MaxHeaderBytes is < 4 * 1024 or > 16 * 1024 * 1024)
        {
            failures.Add($"{ProtectionOptions.SectionName}:MaxHeaderBytes must be between 4096 and 16777216 (was {options.MaxHeaderBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
