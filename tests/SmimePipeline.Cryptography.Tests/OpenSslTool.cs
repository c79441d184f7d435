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

    /// <summary>What <see cref="DecryptAndVerify"/> read back: the decrypted MIME entity (signature included) and the
    /// content OpenSSL says was signed.</summary>
    public sealed record DecryptedAndVerified(byte[] Decrypted, byte[] Verified);

    /// <summary>
    /// The independent judge of a signed-and-encrypted mail: writes it to <paramref name="directory"/>, has
    /// <c>openssl cms -decrypt</c> open it with the recipient's certificate and key, then <c>openssl cms -verify</c>
    /// check the signature against the CA, and asserts that both succeeded ("Verification successful").
    /// </summary>
    public static DecryptedAndVerified DecryptAndVerify(byte[] protectedMail, string recipientCertificate, string recipientKey, string caCertificate, string directory)
    {
        string protectedFile = Path.Combine(directory, "protected.eml");
        string decryptedFile = Path.Combine(directory, "decrypted.eml");
        string verifiedFile = Path.Combine(directory, "verified.mime");
        File.WriteAllBytes(protectedFile, protectedMail);

        RunChecked("cms", "-decrypt", "-recip", recipientCertificate, "-inkey", recipientKey, "-in", protectedFile, "-out", decryptedFile);
        var verify = RunChecked("cms", "-verify", "-CAfile", caCertificate, "-in", decryptedFile, "-out", verifiedFile);
        Assert.Contains("Verification successful", verify.StandardError, StringComparison.Ordinal);
        return new DecryptedAndVerified(File.ReadAllBytes(decryptedFile), File.ReadAllBytes(verifiedFile));
    }
}
