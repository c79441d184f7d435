using System.CommandLine;

namespace SmimePipeline.Cli.Commands;

/// <summary>The <c>--store DIR</c> option shared by the commands that use a certificate store.</summary>
internal static class StoreOption
{
    public const string EnvironmentVariable = "SMIME_STORE";

    public static Option<string?> Create() => new("--store")
    {
        Description = $"The certificate store directory (default: ${EnvironmentVariable}).",
    };

    /// <summary>The store directory from the option or the environment.</summary>
    /// <exception cref="CliException">Neither is set.</exception>
    public static string Resolve(ParseResult parseResult, Option<string?> option)
    {
        var path = parseResult.GetValue(option) ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliException($"No certificate store: pass --store DIR or set {EnvironmentVariable}.");
        }

        return path;
    }
}
