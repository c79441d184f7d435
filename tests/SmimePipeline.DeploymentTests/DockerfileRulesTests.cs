using System.Text.RegularExpressions;
using System.Xml.Linq;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// The image rules of issue 8, checked on the Dockerfiles themselves (no Docker engine and no
/// hadolint on these machines): multi-stage, pinned bases, non-root numeric user, no key material.
/// </summary>
public sealed partial class DockerfileRulesTests
{
    public static TheoryData<string> Dockerfiles => new() { "worker.Dockerfile", "cli.Dockerfile" };

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Image_is_built_in_more_than_one_stage(string name)
    {
        var dockerfile = Load(name);

        Assert.True(dockerfile.StageCount >= 2, $"{name} has {dockerfile.StageCount} stage(s); build and runtime must be separate.");
        Assert.Contains(dockerfile.FinalStage, i => i.Keyword == "COPY" && i.Arguments.StartsWith("--from=", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Base_images_are_pinned_to_an_exact_version(string name)
    {
        var images = Load(name).BaseImages.ToList();

        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            Assert.True(PinnedDotnetImage().IsMatch(image), $"{name}: base image '{image}' is not pinned to an exact x.y.z tag (or a digest).");
            Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Final_stage_runs_as_a_numeric_non_root_user(string name)
    {
        var users = Load(name).FinalStage.Where(i => i.Keyword == "USER").ToList();

        Assert.NotEmpty(users);
        var user = users[^1].Arguments.Split(':')[0];
        Assert.True(int.TryParse(user, out var uid), $"{name}: final USER '{user}' is not numeric; Kubernetes runAsNonRoot cannot verify a name.");
        Assert.NotEqual(0, uid);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void No_key_material_or_secret_is_copied_or_set(string name)
    {
        var dockerfile = Load(name);

        foreach (var instruction in dockerfile.Instructions.Where(i => i.Keyword is "COPY" or "ADD"))
        {
            Assert.False(KeyFile().IsMatch(instruction.Arguments), $"{name}: '{instruction.Keyword} {instruction.Arguments}' copies key material.");
        }

        foreach (var instruction in dockerfile.Instructions.Where(i => i.Keyword is "ENV" or "ARG"))
        {
            Assert.False(SecretName().IsMatch(instruction.Arguments), $"{name}: '{instruction.Keyword} {instruction.Arguments}' looks like a secret.");
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Restore_runs_before_the_sources_are_copied_and_publish_does_not_restore_again(string name)
    {
        var build = Load(name).Instructions.Where(i => i.Stage == 1).ToList();

        var restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var copySources = build.FindIndex(i => i.Keyword == "COPY" && i.Arguments.StartsWith("src/ ", StringComparison.Ordinal));
        var publish = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.True(restore >= 0 && copySources > restore && publish > copySources, $"{name}: expected restore, then COPY src/, then publish.");
        Assert.Contains("Directory.Packages.props", build.Take(restore).First(i => i.Keyword == "COPY").Arguments, StringComparison.Ordinal);
        Assert.Contains("-c Release", build[publish].Arguments, StringComparison.Ordinal);
        Assert.Contains("--no-restore", build[publish].Arguments, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("worker.Dockerfile", "src/SmimePipeline.Worker/SmimePipeline.Worker.csproj")]
    [InlineData("cli.Dockerfile", "src/SmimePipeline.Cli/SmimePipeline.Cli.csproj")]
    public void Every_referenced_project_file_is_copied_before_restore(string name, string entryProject)
    {
        var dockerfile = Load(name);
        var copied = CopiedBeforeRestore(dockerfile);

        foreach (var project in ProjectClosure(entryProject))
        {
            Assert.True(copied.Contains(project), $"{name} does not copy {project} before 'dotnet restore': restore would fail in the image build.");
        }
    }

    [Theory]
    [InlineData("worker.Dockerfile", "src/SmimePipeline.Worker/SmimePipeline.Worker.csproj")]
    [InlineData("cli.Dockerfile", "src/SmimePipeline.Cli/SmimePipeline.Cli.csproj")]
    public void Every_imported_props_and_targets_file_is_copied_before_restore(string name, string entryProject)
    {
        // Without them restore fails (an explicit Import) or, worse, the image is built without their settings
        // (Directory.Build.targets is imported only when present): PipelineRuntime.props holds the GC settings.
        var dockerfile = Load(name);
        var copied = CopiedBeforeRestore(dockerfile);
        var imported = new SortedSet<string>(StringComparer.Ordinal) { "Directory.Build.props", "Directory.Build.targets" };
        foreach (var project in ProjectClosure(entryProject))
        {
            var directory = Path.GetDirectoryName(RepositoryPaths.Of(project))!;
            foreach (var import in XDocument.Load(RepositoryPaths.Of(project)).Descendants("Import"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, import.Attribute("Project")!.Value.Replace('\\', '/')));
                imported.Add(Path.GetRelativePath(RepositoryPaths.Root, full).Replace('\\', '/'));
            }
        }

        Assert.Contains("PipelineRuntime.props", imported);
        foreach (var file in imported)
        {
            Assert.True(File.Exists(RepositoryPaths.Of(file)), $"{file} is imported but does not exist");
            Assert.True(copied.Contains(file), $"{name} does not copy {file} before 'dotnet restore'.");
        }
    }

    [Fact]
    public void Worker_image_exposes_the_http_port_has_a_healthcheck_and_starts_the_worker()
    {
        var final = Load("worker.Dockerfile").FinalStage.ToList();

        Assert.Contains(final, i => i.Keyword == "EXPOSE" && i.Arguments.Split(' ').Contains("8080"));
        Assert.Contains(final, i => i.Keyword == "ENV" && i.Arguments.Contains("ASPNETCORE_HTTP_PORTS=8080", StringComparison.Ordinal));
        var healthcheck = Assert.Single(final, i => i.Keyword == "HEALTHCHECK");
        Assert.Contains("/health/live", healthcheck.Arguments, StringComparison.Ordinal);
        Assert.DoesNotContain("curl", healthcheck.Arguments, StringComparison.Ordinal);
        Assert.Equal("[\"dotnet\", \"SmimePipeline.Worker.dll\"]", Assert.Single(final, i => i.Keyword == "ENTRYPOINT").Arguments);
    }

    [Fact]
    public void Cli_image_starts_the_smime_command()
    {
        var final = Load("cli.Dockerfile").FinalStage.ToList();

        Assert.Equal("[\"dotnet\", \"smime.dll\"]", Assert.Single(final, i => i.Keyword == "ENTRYPOINT").Arguments);
    }

    [Fact]
    public void Docker_build_context_excludes_key_material_and_build_output()
    {
        var ignored = File.ReadAllLines(RepositoryPaths.Of(".dockerignore")).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);

        foreach (var pattern in new[] { "**/*.p12", "**/*.pfx", "**/*.key", "**/*.pem", "**/bin/", "**/obj/", ".git/" })
        {
            Assert.Contains(pattern, ignored);
        }
    }

    private static Dockerfile Load(string name) => Dockerfile.Load(RepositoryPaths.Of("deploy", name));

    /// <summary>Every path named by a <c>COPY</c> before the first <c>RUN dotnet restore</c>.</summary>
    private static HashSet<string> CopiedBeforeRestore(Dockerfile dockerfile)
    {
        var restore = dockerfile.Instructions.ToList().FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        return dockerfile.Instructions.Take(restore)
            .Where(i => i.Keyword == "COPY")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The project and all projects it references, transitively, as repository-relative paths.</summary>
    private static SortedSet<string> ProjectClosure(string entryProject)
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([entryProject]);
        while (pending.Count > 0)
        {
            var project = pending.Pop();
            if (!result.Add(project))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(RepositoryPaths.Of(project))!;
            foreach (var reference in XDocument.Load(RepositoryPaths.Of(project)).Descendants("ProjectReference"))
            {
                var full = Path.GetFullPath(Path.Combine(directory, reference.Attribute("Include")!.Value.Replace('\\', '/')));
                pending.Push(Path.GetRelativePath(RepositoryPaths.Root, full).Replace('\\', '/'));
            }
        }

        return result;
    }

    [GeneratedRegex(@"^mcr\.microsoft\.com/dotnet/(sdk|aspnet|runtime):\d+\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[a-f0-9]{64})?$")]
    private static partial Regex PinnedDotnetImage();

    [GeneratedRegex(@"\.(p12|pfx|key|pem|crt|der)\b|secrets?/", RegexOptions.IgnoreCase)]
    private static partial Regex KeyFile();

    [GeneratedRegex(@"(PASSWORD|PASSWD|SECRET|API_?KEY|TOKEN|PRIVATE)\w*\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
