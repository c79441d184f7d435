using System.Text.Json;
using System.Xml.Linq;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// One set of runtime settings for every process that runs the pipeline (issue 17, session 10): the worker and the
/// <c>smime</c> command both import PipelineRuntime.props, and their built runtimeconfig files (copied beside the tests
/// by the project reference, as beside smime.dll) must say the same, so that `smime bench pipeline` measures with the
/// worker's GC and JIT settings without a script exporting them.
/// </summary>
public sealed class PipelineRuntimeConfigTests
{
    private const string Smime = "smime.runtimeconfig.json";
    private const string Worker = "SmimePipeline.Worker.runtimeconfig.json";

    [Fact]
    public void Smime_and_the_worker_are_built_with_the_same_runtime_settings()
    {
        var smime = ConfigProperties(Smime);
        var worker = ConfigProperties(Worker);

        var differences = smime.Keys.Union(worker.Keys)
            .Where(key => smime.GetValueOrDefault(key) != worker.GetValueOrDefault(key))
            .Select(key => $"{key}: smime {smime.GetValueOrDefault(key) ?? "unset"}, worker {worker.GetValueOrDefault(key) ?? "unset"}")
            .ToList();
        Assert.True(differences.Count == 0, "the runtimeconfig files differ: " + string.Join("; ", differences));
    }

    [Theory]
    [InlineData(Smime)]
    [InlineData(Worker)]
    public void Every_setting_of_PipelineRuntime_props_reaches_the_runtimeconfig(string file)
    {
        var built = ConfigProperties(file);
        var props = XDocument.Load(RepositoryPaths.Of("PipelineRuntime.props"));
        var options = props.Descendants("RuntimeHostConfigurationOption").ToList();
        Assert.NotEmpty(options);

        foreach (var option in options)
        {
            var name = option.Attribute("Include")!.Value;
            Assert.True(built.TryGetValue(name, out var value), $"{file} has no {name}");
            Assert.Equal(option.Attribute("Value")!.Value, value, ignoreCase: true);
        }

        // The MSBuild properties the SDK turns into runtimeconfig settings.
        Assert.Equal(props.Descendants("ServerGarbageCollection").Single().Value, built["System.GC.Server"], ignoreCase: true);
        Assert.Equal(props.Descendants("ConcurrentGarbageCollection").Single().Value, built["System.GC.Concurrent"], ignoreCase: true);
        Assert.Equal(props.Descendants("TieredPGO").Single().Value, built["System.Runtime.TieredPGO"], ignoreCase: true);
        // The large-object threshold the queue bodies need (issue 6): the figure the bench used to export by hand.
        Assert.Equal("1048576", built["System.GC.LOHThreshold"]);
        // Every program's, from Directory.Build.targets.
        Assert.Equal("0", built["System.Runtime.TieredCompilation.CallCountingDelayMs"]);
    }

    [Fact]
    public async Task Bench_pipeline_names_the_environment_variable_that_overrides_the_workers_settings()
    {
        // The broker pid check fails after the runtime check, before any connection: no broker needed.
        var overridden = await SmimeCli.RunAsync(
            ["bench", "pipeline", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/", "--messages", "1", "--broker-pid", "2147483646"],
            new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0" });
        var plain = await SmimeCli.RunAsync(
            ["bench", "pipeline", "--rabbitmq", "amqp://guest:guest@127.0.0.1:1/", "--messages", "1", "--broker-pid", "2147483646"]);

        Assert.NotEqual(0, overridden.ExitCode);
        Assert.Contains("differ from the worker's", overridden.Stderr, StringComparison.Ordinal);
        Assert.Contains("DOTNET_TieredPGO=0", overridden.Stderr, StringComparison.Ordinal);
        Assert.Contains("--broker-pid 2147483646", overridden.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, plain.ExitCode);
        Assert.False(plain.Stderr.Contains("differ from the worker's", StringComparison.Ordinal), $"without an override the bench still warned: {plain.Stderr}");
    }

    private static Dictionary<string, string> ConfigProperties(string file)
    {
        var path = Path.Combine(AppContext.BaseDirectory, file);
        Assert.True(File.Exists(path), $"{path} is missing: the CLI project (and through it the worker) must be built with the tests.");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
    }
}
