using System.Text;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

public sealed class DemoCommandTests
{
    [Fact]
    public async Task Demo_delivers_every_mail_and_its_printed_openssl_command_works()
    {
        using var temp = new TempDirectory();
        var dir = Path.Combine(temp.Path, "demo");

        var result = await SmimeCli.RunAsync(["demo", "--messages", "40", "--dir", dir]);

        var stdout = Encoding.UTF8.GetString(result.Stdout);
        Assert.True(result.ExitCode == 0, $"{stdout}\n{result.Stderr}");
        Assert.Equal(40, Directory.GetFiles(Path.Combine(dir, "outbox"), "*.eml").Length);
        Assert.Contains("delivered   40", stdout, StringComparison.Ordinal);

        // The summary's ready-to-paste command, run as a user would paste it.
        var command = string.Join(' ', stdout.Split('\n')
            .SkipWhile(l => !l.TrimStart().StartsWith("openssl cms -decrypt", StringComparison.Ordinal))
            .Take(2)
            .Select(l => l.Trim().TrimEnd('\\')));
        Assert.StartsWith("openssl cms -decrypt", command, StringComparison.Ordinal);
        var pasted = await ExternalTool.RunAsync("bash", ["-o", "pipefail", "-c", command]);
        Assert.True(pasted.ExitCode == 0, pasted.Stderr);
        Assert.Contains("Verification successful", pasted.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_demo_run_reuses_the_demo_certificates()
    {
        using var temp = new TempDirectory();
        var dir = Path.Combine(temp.Path, "demo");

        var first = await SmimeCli.RunAsync(["demo", "--messages", "3", "--dir", dir]);
        var ca = await File.ReadAllTextAsync(Path.Combine(dir, "pki", "ca.pem"));
        var second = await SmimeCli.RunAsync(["demo", "--messages", "3", "--dir", dir]);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(ca, await File.ReadAllTextAsync(Path.Combine(dir, "pki", "ca.pem")));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(dir, "outbox"), "*.eml").Length);
    }
}
