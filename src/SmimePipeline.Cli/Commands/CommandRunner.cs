using System.Security.Cryptography;
using System.Text;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Runs a command body and turns every failure into one line on stderr and a non-zero exit code: 2 for a
/// refusal (a mail that cannot be protected, a certificate or CRL that is not accepted), 1 for everything
/// else (usage, files, unreadable certificates or CRLs, a wrong password, an unreachable
/// broker, and faults of our own). Stack traces only with <c>SMIME_DEBUG=1</c>.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Set to <c>1</c> to print the stack trace after the one-line error.</summary>
    public const string DebugVariable = "SMIME_DEBUG";

    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ProtectionRefusedException refusal)
        {
            return Fail(2, $"refused ({refusal.ReasonCode}): {refusal.Message}", refusal);
        }
        catch (CertificateRefusedException refusal)
        {
            return Fail(2, $"refused ({refusal.ReasonCode}): {refusal.Message}", refusal);
        }
        catch (SmimePipeline.Worker.Validation.MailRefusedException refusal)
        {
            // The signer worker's own refusal of a command's field or size, under the worker's code.
            return Fail(2, $"refused ({refusal.ReasonCode}): {refusal.Message}", refusal);
        }
        catch (CliException user)
        {
            return Fail(1, user.Message, user);
        }
        catch (Exception ex) when (IsBroker(ex))
        {
            return Fail(1, $"cannot reach or use the broker: {Describe(ex)}", ex);
        }
        catch (OperationCanceledException stopped)
        {
            return Fail(1, $"cancelled or timed out before it finished: {Describe(stopped)}", stopped);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException or CryptographicException or FormatException or ArgumentException or InvalidOperationException
            or SmimePipeline.Cryptography.Pkcs11.Pkcs11UnavailableException or SmimePipeline.Cryptography.Pkcs11.Pkcs11KeyNotFoundException)
        {
            return Fail(1, Describe(ex), ex);
        }
        catch (Exception ex)
        {
            // A fault of ours, not of the user: still one line (and the type, for the bug report), never a trace
            // unless asked for; the process does not crash with "Unhandled exception".
            return Fail(1, $"internal error ({ex.GetType().Name}): {Describe(ex)} (run with {DebugVariable}=1 for the trace)", ex);
        }
    }

    /// <summary>
    /// The message and, when it adds something, the innermost cause's ("None of the specified endpoints were
    /// reachable (Connection refused)"), as one printable line.
    /// </summary>
    internal static string Describe(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        string message = exception.Message;
        if (!ReferenceEquals(innermost, exception) && !string.IsNullOrWhiteSpace(innermost.Message) && !message.Contains(innermost.Message, StringComparison.Ordinal))
        {
            message += $" ({innermost.Message})";
        }

        return OneLine(message);
    }

    /// <summary>Control characters (line breaks from an exception, or from a hostile certificate's subject) become spaces.</summary>
    internal static string OneLine(string text)
    {
        var line = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            line.Append(char.IsControl(c) ? ' ' : c);
        }

        return line.ToString().Trim();
    }

    private static bool IsBroker(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            string? ns = current.GetType().Namespace;
            if (current is RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException
                || (ns is not null && ns.StartsWith("MassTransit", StringComparison.Ordinal) && current.GetType().Name.Contains("Connection", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static int Fail(int exitCode, string message, Exception exception)
    {
        Console.Error.WriteLine($"smime: {OneLine(message)}");
        if (Environment.GetEnvironmentVariable(DebugVariable) == "1")
        {
            Console.Error.WriteLine(exception);
        }

        return exitCode;
    }
}
