using System.Text.Json;

namespace SmimePipeline.Messaging;

/// <summary>Names what System.Text.Json refused in a manifest or policy header, by rule and path, never by quoting it.</summary>
internal static class ProtectCommandJson
{
    private const int MaxPrintablePath = 120;

    /// <summary>The broken rule behind <paramref name="exception"/>, for <paramref name="what"/> (e.g. "manifest").</summary>
    public static string Describe(JsonException exception, string what)
    {
        var message = exception.Message;
        var at = Path(exception.Path);
        if (ProtectCommandJsonContext.IsDuplicate(exception))
        {
            return $"gives a field twice in its {what}{at}";
        }

        if (message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"nests its {what} deeper than {ProtectCommandBinaryFormat.MaxManifestDepth} levels{at}";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            return $"has a {what} without a required field{at}";
        }

        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"has a field in its {what} that version {ProtectCommandBinaryFormat.Version} does not define{at}";
        }

        return $"has a {what} that is not JSON of the contract's shape{at}";
    }

    // A path names the contract's fields, list indexes and extra header names; anything longer or stranger is not echoed.
    private static string Path(string? path) =>
        path is { Length: > 1 and <= MaxPrintablePath } && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '$' or '.' or '[' or ']' or '-' or '_' or '\'')
            ? $" (at {path})"
            : "";
}
