using System.CommandLine;

namespace SmimePipeline.Cli.Commands;

/// <summary>The <c>--rabbitmq URI</c> option, validated with a message that says what a broker URI looks like.</summary>
internal static class BrokerOption
{
    public static Option<string?> Create(string description, bool required = false, bool recursive = false) => new("--rabbitmq")
    {
        Description = description,
        Required = required,
        Recursive = recursive,
    };

    /// <summary>The broker URI, or <see langword="null"/> when the option is absent.</summary>
    /// <exception cref="CliException">The value is not an amqp:// or amqps:// URI.</exception>
    public static Uri? Resolve(ParseResult parseResult, Option<string?> option)
    {
        var value = parseResult.GetValue(option);
        if (value is null)
        {
            return null;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            throw new CliException($"--rabbitmq must be an amqp:// or amqps:// URI such as amqp://guest:guest@localhost:5672/ (was '{Redact(value)}').");
        }

        return uri;
    }

    /// <summary>The broker URI of a required option.</summary>
    /// <exception cref="CliException">The option is absent or not an amqp:// or amqps:// URI.</exception>
    public static Uri Require(ParseResult parseResult, Option<string?> option) =>
        Resolve(parseResult, option) ?? throw new CliException("--rabbitmq is required.");

    // Never echo a password back to the terminal or a CI log.
    private static string Redact(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme > 0 && at > scheme ? string.Concat(value.AsSpan(0, scheme + 3), "***", value.AsSpan(at)) : value;
    }
}
