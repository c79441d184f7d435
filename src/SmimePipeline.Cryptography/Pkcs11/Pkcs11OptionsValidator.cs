using Microsoft.Extensions.Options;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>Checks <see cref="Pkcs11Options"/>; each failure names the setting.</summary>
public sealed class Pkcs11OptionsValidator : IValidateOptions<Pkcs11Options>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, Pkcs11Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.ModulePath.Length > 0 && !File.Exists(options.ModulePath))
        {
            failures.Add($"{Pkcs11Options.SectionName}:ModulePath: the PKCS#11 module {options.ModulePath} does not exist.");
        }

        if (options.PinFile.Length > 0 && !File.Exists(options.PinFile))
        {
            failures.Add($"{Pkcs11Options.SectionName}:PinFile: the file {options.PinFile} does not exist.");
        }

        if (options.MaxSessions < 0)
        {
            failures.Add($"{Pkcs11Options.SectionName}:MaxSessions must be 0 (two per processor) or more.");
        }

        if (options.SessionWaitTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{Pkcs11Options.SectionName}:SessionWaitTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
