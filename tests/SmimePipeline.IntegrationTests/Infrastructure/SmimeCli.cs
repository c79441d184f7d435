using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Runs the real <c>smime</c> command (the built smime.dll) as a separate process.</summary>
public static class SmimeCli
{
    public static Task<ToolResult> RunAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment = null, byte[]? stdin = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "smime.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the CLI project must be built with the tests.");
        return ExternalTool.RunAsync("dotnet", [dll, .. arguments], stdin, TimeSpan.FromMinutes(5), environment);
    }
}
