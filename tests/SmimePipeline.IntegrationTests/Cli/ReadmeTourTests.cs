using System.Text;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 15: the README's quick tour ("Try it on the demo's certificates") runs as written from the root of a
/// fresh clone. The clone's CLI is built once; the one change to the tour's lines is <c>--no-build</c> after
/// <c>dotnet run</c>, so each command does not build again. Everything else (working directory, relative paths,
/// <c>$PWD/smime-demo/…</c>, the tour's own message count, OpenSSL reading the result) is the README's.
/// Its build uses every core, so it runs alone (<see cref="WholeMachineGroup"/>).
/// </summary>
[Collection(WholeMachineGroup.Name)]
public sealed class ReadmeTourTests : IDisposable
{
    private const string TourHeading = "Try it on the demo's certificates:";
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task The_readme_tour_runs_as_written_from_a_fresh_clone()
    {
        var clone = Path.Combine(_temp.Path, "repo");
        var cloned = await ExternalTool.RunAsync("git", ["clone", "--quiet", "--no-hardlinks", RepositoryPaths.Root, clone], timeout: TimeSpan.FromMinutes(5));
        Assert.True(cloned.ExitCode == 0, cloned.Describe());

        var tour = ExtractTour(await File.ReadAllTextAsync(Path.Combine(clone, "README.md")));
        Assert.Contains("smime protect", tour, StringComparison.Ordinal);
        Assert.Equal(1, Occurrences(tour, "dotnet run --project"));
        var script = "set -euo pipefail\n" + tour.Replace("dotnet run --project", "dotnet run --no-build --project", StringComparison.Ordinal);

        var built = await ExternalTool.RunAsync("dotnet", ["build", "src/SmimePipeline.Cli", "-c", "Release", "-nologo", "-v", "q"], timeout: TimeSpan.FromMinutes(20), workingDirectory: clone);
        Assert.True(built.ExitCode == 0, built.Describe());

        var environment = new Dictionary<string, string> { ["SMIME_STORE"] = "", ["SMIME_POSTGRES"] = "", ["DOTNET_NOLOGO"] = "1" };
        var ran = await ExternalTool.RunAsync("bash", ["-c", script], timeout: TimeSpan.FromMinutes(10), environment: environment, workingDirectory: clone);

        Assert.True(ran.ExitCode == 0, ran.Describe());
        Assert.True(Directory.Exists(Path.Combine(clone, "smime-demo", "pki", "store")), "The demo's store is not where the tour's SMIME_STORE points.");
        Assert.False(Directory.Exists(Path.Combine(clone, "src", "SmimePipeline.Cli", "smime-demo")), "dotnet run wrote the demo under the project directory.");
        Assert.Equal(20, Directory.GetFiles(Path.Combine(clone, "smime-demo", "outbox"), "*.eml").Length);
        Assert.True(File.Exists(Path.Combine(clone, "my.protected.eml")));
        Assert.Contains("Hello Alice.", ran.StdoutText, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>The first <c>```sh</c> block after the tour's heading, without its fences.</summary>
    private static string ExtractTour(string readme)
    {
        int heading = readme.IndexOf(TourHeading, StringComparison.Ordinal);
        Assert.True(heading >= 0, $"README.md has no \"{TourHeading}\" section.");
        int open = readme.IndexOf("```sh\n", heading, StringComparison.Ordinal);
        Assert.True(open >= 0, "The tour has no ```sh block.");
        int start = open + "```sh\n".Length;
        int end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        Assert.True(end > start, "The tour's ```sh block is not closed.");
        return new StringBuilder(readme, start, end - start, end - start).Append('\n').ToString();
    }

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
