namespace SmimePipeline.DeploymentTests.Support;

/// <summary>Prometheus's promtool (Debian's prometheus package): checks configurations and rules, runs rule unit tests.</summary>
public static class Promtool
{
    private const string InstallHint = "Install it with: apt-get install -y prometheus (Debian's package ships promtool).";

    /// <summary>Runs promtool with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static Task<ToolResult> RunAsync(string workingDirectory, params string[] arguments) =>
        ExternalTool.RunAsync(ExternalTool.Require("promtool", InstallHint), arguments, timeout: ToolLimits.Timeout, workingDirectory: workingDirectory);

    /// <summary>Runs promtool with <paramref name="arguments"/> in <paramref name="workingDirectory"/>; it must exit 0.</summary>
    /// <returns>Its output.</returns>
    public static async Task<ToolResult> AssertSucceedsAsync(string workingDirectory, params string[] arguments)
    {
        var result = await RunAsync(workingDirectory, arguments);
        Assert.True(result.ExitCode == 0, $"promtool {string.Join(' ', arguments)} failed:\n{result.Describe()}");
        return result;
    }
}
