using System.Globalization;
using System.Net.Mime;
using System.Text.Json;
using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Reads the transport headers and content type of a binary protect command as strictly as System.Text.Json reads the
/// JSON contract: the version known, the mail id present once and a GUID, the policy (when given) a string of JSON of
/// the policy's shape within its limit.
/// </summary>
internal static class ProtectCommandHeaderReader
{
    private static readonly string[] FieldHeaders = [ProtectCommandBinaryFormat.MailIdHeader, ProtectCommandBinaryFormat.PolicyHeader];

    /// <summary>Refuses a content type without a version or with one this build does not read.</summary>
    /// <exception cref="ProtectCommandFormatException">The version is missing or unknown.</exception>
    public static void CheckVersion(ContentType? contentType, string command)
    {
        var version = contentType?.Parameters["v"];
        if (version is null)
        {
            throw new ProtectCommandFormatException(command, $"has a content type without a version (v={ProtectCommandBinaryFormat.Version} expected)");
        }

        if (version != ProtectCommandBinaryFormat.Version)
        {
            var printable = version.Length <= 8 && version.All(char.IsAsciiLetterOrDigit) ? $"'{version}'" : "(unprintable)";
            throw new ProtectCommandFormatException(command, $"names version {printable}; this worker reads version {ProtectCommandBinaryFormat.Version}");
        }
    }

    /// <summary>The mail id of <see cref="ProtectCommandBinaryFormat.MailIdHeader"/>.</summary>
    /// <exception cref="ProtectCommandFormatException">The header is missing, given twice, not a string or not a GUID.</exception>
    public static Guid MailId(Headers headers, string command)
    {
        ArgumentNullException.ThrowIfNull(headers);
        RefuseDuplicates(headers, command);
        if (!headers.TryGetHeader(ProtectCommandBinaryFormat.MailIdHeader, out var value) || value is null)
        {
            throw Header(command, ProtectCommandBinaryFormat.MailIdHeader, "is missing");
        }

        if (value is not string text)
        {
            throw Header(command, ProtectCommandBinaryFormat.MailIdHeader, $"is of type {TypeName(value)}, not a string");
        }

        return text.Length == 36 && Guid.TryParseExact(text, "D", out var id)
            ? id
            : throw Header(command, ProtectCommandBinaryFormat.MailIdHeader, "is not a GUID (form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    }

    /// <summary>The policy of <see cref="ProtectCommandBinaryFormat.PolicyHeader"/>, or the default when it is absent.</summary>
    /// <exception cref="ProtectCommandFormatException">The header is not a string, too long, or not JSON of the policy's shape.</exception>
    public static SecurityPolicy? Policy(Headers headers, string command)
    {
        if (!headers.TryGetHeader(ProtectCommandBinaryFormat.PolicyHeader, out var value) || value is null)
        {
            return SecurityPolicy.SignAndEncrypt;
        }

        if (value is not string text)
        {
            throw Header(command, ProtectCommandBinaryFormat.PolicyHeader, $"is of type {TypeName(value)}, not a string");
        }

        if (text.Length > ProtectCommandBinaryFormat.MaxPolicyHeaderLength)
        {
            throw Header(command, ProtectCommandBinaryFormat.PolicyHeader, $"is {text.Length} characters long, above {ProtectCommandBinaryFormat.MaxPolicyHeaderLength}");
        }

        try
        {
            // JSON null is kept: the validator refuses a null policy as in the JSON contract.
            return JsonSerializer.Deserialize(text, ProtectCommandJsonContext.Default.SecurityPolicy);
        }
        catch (JsonException ex)
        {
            throw new ProtectCommandFormatException(command, $"header {ProtectCommandBinaryFormat.PolicyHeader} {ProtectCommandJson.Describe(ex, "value")}");
        }
    }

    /// <summary>The mail id if the headers name one validly, else the empty id (for failure reports of unreadable mail).</summary>
    public static Guid MailIdOrEmpty(Headers headers) =>
        headers is not null && headers.TryGetHeader(ProtectCommandBinaryFormat.MailIdHeader, out var value) && value is string text
            && Guid.TryParseExact(text, "D", out var id) ? id : Guid.Empty;

    // AMQP tables map each name once, but names are case-sensitive: a second spelling of a field header would let a
    // reader that folds case see another value than the producer did. Such a message is refused.
    private static void RefuseDuplicates(Headers headers, string command)
    {
        foreach (var (name, _) in headers.GetAll())
        {
            foreach (var field in FieldHeaders)
            {
                if (!string.Equals(name, field, StringComparison.Ordinal) && string.Equals(name, field, StringComparison.OrdinalIgnoreCase))
                {
                    throw Header(command, field, "is given twice (in two spellings)");
                }
            }
        }
    }

    private static ProtectCommandFormatException Header(string command, string header, string problem) =>
        new(command, $"header {header} {problem}");

    private static string TypeName(object value) => value.GetType().Name.ToLower(CultureInfo.InvariantCulture);
}
