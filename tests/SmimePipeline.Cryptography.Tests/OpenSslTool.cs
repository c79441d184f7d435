using System.ComponentModel;
using System.Diagnostics;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>Runs the openssl command line. A missing openssl fails the test: it is the independent judge.</summary>
internal static class OpenSslTool
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start.");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"openssl is not installed or not on PATH ({ex.Message}); install the Debian package 'openssl'.");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(60_000), "openssl did not finish within 60 s");
            process.WaitForExit();
            return new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        }
    }

    /// <summary>Runs openssl and asserts exit code 0, showing its stderr (never message content) otherwise.</summary>
    public static Result RunChecked(params string[] arguments)
    {
        var result = Run(arguments);
        Assert.True(result.ExitCode == 0, $"openssl {arguments[0]} {arguments.ElementAtOrDefault(1)} exited {result.ExitCode}: {result.StandardError}");
        return result;
    }
}
