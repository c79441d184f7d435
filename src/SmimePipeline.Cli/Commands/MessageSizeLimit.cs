using System.Globalization;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// The pipeline's one size limit as the CLI applies it: <c>$SmimePipeline__MaxMessageBytes</c> (the workers' setting,
/// same name) or <see cref="MessageSizeLimits.DefaultMaxMessageBytes"/>. Input that would certainly exceed it once
/// protected is refused before it is read, so a 200 MB file never reaches memory.
/// </summary>
internal static class MessageSizeLimit
{
    public const string EnvironmentVariable = "SmimePipeline__MaxMessageBytes";

    /// <summary>The limit in force.</summary>
    /// <exception cref="CliException">The environment variable is not a number between 64 KiB and 100,000,000.</exception>
    public static int Resolve()
    {
        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return MessageSizeLimits.DefaultMaxMessageBytes;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 64 * 1024 and <= 100_000_000
            ? limit
            : throw new CliException($"{EnvironmentVariable} must be a number of bytes between {64 * 1024} and 100000000 (was '{text}').");
    }

    /// <summary>Refuses (exit 2, <c>message-too-large</c> as the signer worker) an input file that would exceed <paramref name="limit"/> once protected by <paramref name="policy"/>.</summary>
    public static void EnsureInputFits(FileInfo input, SecurityPolicy policy, int limit)
    {
        var estimate = ProtectedSizeEstimate.Of(input.Length, policy);
        if (estimate > limit)
        {
            throw new MailRefusedException(new MailRefusal(
                MailRefusal.MessageTooLarge,
                $"{input.Name} is {input.Length} bytes and would be at least {estimate} bytes once protected, above the limit of {limit} bytes ({EnvironmentVariable}); nothing was read."));
        }
    }

    /// <summary>Refuses (exit 2, <c>message-too-large</c> as the signer worker) a protected result above <paramref name="limit"/>; no output file is written.</summary>
    public static void EnsureOutputFits(int protectedBytes, int limit)
    {
        if (protectedBytes > limit)
        {
            throw new MailRefusedException(new MailRefusal(
                MailRefusal.MessageTooLarge,
                $"The protected message is {protectedBytes} bytes, above the limit of {limit} bytes ({EnvironmentVariable}); no output was written."));
        }
    }
}
