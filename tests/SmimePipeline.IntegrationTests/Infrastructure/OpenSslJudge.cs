using System.Text;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// OpenSSL as the independent judge: decrypts a protected message with a recipient's key, then
/// verifies the signature inside against the CA. Our own code is not involved.
/// </summary>
public static class OpenSslJudge
{
    /// <summary>Returns the verified inner content (MIME entity as text); fails the test otherwise.</summary>
    public static async Task<string> DecryptAndVerifyAsync(string messagePath, string recipientCertificate, string recipientKey, string caCertificate)
    {
        var decrypted = await ExternalTool.RunAsync(
            "openssl", ["cms", "-decrypt", "-recip", recipientCertificate, "-inkey", recipientKey, "-in", messagePath]);
        Assert.True(decrypted.ExitCode == 0, $"openssl cms -decrypt failed for {Path.GetFileName(messagePath)}: {decrypted.Stderr}");

        var verified = await ExternalTool.RunAsync("openssl", ["cms", "-verify", "-CAfile", caCertificate], stdin: decrypted.Stdout);
        Assert.True(verified.ExitCode == 0, $"openssl cms -verify failed for {Path.GetFileName(messagePath)}: {verified.Stderr}");
        Assert.Contains("Verification successful", verified.Stderr, StringComparison.Ordinal);
        return Encoding.UTF8.GetString(verified.Stdout);
    }
}
