using System.Security.Cryptography;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// Runs a command body and turns the failures a user can cause into one line on stderr and a
/// non-zero exit code: 1 for usage and file errors, 2 for a protection refusal. Stack traces only
/// with <c>SMIME_DEBUG=1</c>.
/// </summary>
internal static class CommandRunner
{
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
        catch (CliException user)
        {
            return Fail(1, user.Message, user);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or FormatException or ArgumentException or InvalidOperationException
            or SmimePipeline.Cryptography.Pkcs11.Pkcs11UnavailableException or SmimePipeline.Cryptography.Pkcs11.Pkcs11KeyNotFoundException)
        {
            return Fail(1, ex.Message, ex);
        }
    }

    private static int Fail(int exitCode, string message, Exception exception)
    {
        Console.Error.WriteLine($"smime: {message}");
        if (Environment.GetEnvironmentVariable("SMIME_DEBUG") == "1")
        {
            Console.Error.WriteLine(exception);
        }

        return exitCode;
    }
}
