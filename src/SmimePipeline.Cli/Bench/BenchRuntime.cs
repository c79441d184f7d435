using System.Globalization;
using System.Runtime;
using System.Text.Json;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The runtime settings this process measured with, as the GC and the host report them, so that a pipeline figure can
/// be read against the worker's. Both programs import <c>PipelineRuntime.props</c>, so their built
/// <c>*.runtimeconfig.json</c> carry the same settings; what can still differ is the environment (a <c>DOTNET_</c>
/// variable overrides the runtimeconfig) or a build whose two files went out of step. <see cref="DifferenceFromWorker"/>
/// compares this process's runtimeconfig with <c>SmimePipeline.Worker.runtimeconfig.json</c> (copied next to
/// <c>smime.dll</c> by the project reference) and lists the runtime's environment variables.
/// </summary>
/// <param name="ServerGc">Server (true) or workstation garbage collector.</param>
/// <param name="ConcurrentGc">Background (concurrent) gen-2 collections.</param>
/// <param name="GcHeaps">Heaps of the server GC (1 for workstation).</param>
/// <param name="LohThresholdBytes">Arrays of this size or more go to the large object heap.</param>
/// <param name="TieredCompilation">The setting (<c>System.Runtime.TieredCompilation</c> or <c>DOTNET_TieredCompilation</c>), "default" when unset (on).</param>
/// <param name="TieredPgo">The setting (<c>System.Runtime.TieredPGO</c> or <c>DOTNET_TieredPGO</c>), "default" when unset (on).</param>
/// <param name="ReadyToRun">The setting (<c>DOTNET_ReadyToRun</c>), "default" when unset (precompiled framework code used).</param>
/// <param name="CallCountingDelayMs">The setting (<c>System.Runtime.TieredCompilation.CallCountingDelayMs</c>), "default" (100 ms) when unset.</param>
internal sealed record BenchRuntime(bool ServerGc, bool ConcurrentGc, long GcHeaps, long LohThresholdBytes, string TieredCompilation, string TieredPgo, string ReadyToRun, string CallCountingDelayMs)
{
    /// <summary>The worker's runtimeconfig, which the CLI's build output holds beside its own.</summary>
    public const string WorkerRuntimeConfigFile = "SmimePipeline.Worker.runtimeconfig.json";

    /// <summary>This process's runtimeconfig.</summary>
    public const string OwnRuntimeConfigFile = "smime.runtimeconfig.json";

    // DOTNET_ variables that configure the host, the SDK or ASP.NET, not the runtime's GC, JIT or thread pool.
    private static readonly string[] NotRuntimeSettings =
    [
        "NOLOGO", "CLI_", "ROOT", "SKIP_FIRST_TIME_EXPERIENCE", "RUNNING_IN_CONTAINER", "ENVIRONMENT", "GENERATE_ASPNET_CERTIFICATE",
        "ADD_GLOBAL_TOOLS_TO_PATH", "MULTILEVEL_LOOKUP", "HOST_", "USE_POLLING_FILE_WATCHER", "NUGET_", "ROLL_FORWARD", "BUNDLE_",
        "SYSTEM_GLOBALIZATION_", "PerfMapEnabled", "EnableWriteXorExecute",
        // Crash-dump and debugger knobs (the test runner's blame collector sets COMPlus_DbgEnableElfDumpOnMacOS).
        "Dbg", "CreateDump", "EnableCrashReport",
    ];

    /// <summary>This process's settings.</summary>
    public static BenchRuntime Current()
    {
        var gc = GC.GetConfigurationVariables();
        return new BenchRuntime(
            GCSettings.IsServerGC,
            gc.TryGetValue("ConcurrentGC", out var concurrent) && concurrent is bool on && on,
            gc.TryGetValue("HeapCount", out var heaps) ? Convert.ToInt64(heaps, CultureInfo.InvariantCulture) : 1,
            gc.TryGetValue("LOHThreshold", out var loh) ? Convert.ToInt64(loh, CultureInfo.InvariantCulture) : 85_000,
            Setting("System.Runtime.TieredCompilation", "DOTNET_TieredCompilation"),
            Setting("System.Runtime.TieredPGO", "DOTNET_TieredPGO"),
            Setting(null, "DOTNET_ReadyToRun"),
            Setting("System.Runtime.TieredCompilation.CallCountingDelayMs", "DOTNET_TC_CallCountingDelayMs"));
    }

    /// <summary>
    /// What differs from the worker, in words, or null when nothing does: a setting of the two runtimeconfig files that
    /// differs, a runtime environment variable (which overrides the runtimeconfig; the worker's image and chart set none
    /// but <c>DOTNET_PROCESSOR_COUNT</c>), or a server GC the runtime did not give although both files ask for it.
    /// The profiler's <c>DOTNET_PerfMapEnabled</c> and <c>DOTNET_EnableWriteXorExecute</c> are not counted.
    /// </summary>
    public string? DifferenceFromWorker()
    {
        var differences = new List<string>();
        var directory = AppContext.BaseDirectory;
        var worker = ReadConfigProperties(Path.Combine(directory, WorkerRuntimeConfigFile));
        var own = ReadConfigProperties(Path.Combine(directory, OwnRuntimeConfigFile));
        if (worker is null || own is null)
        {
            differences.Add($"cannot compare: {(worker is null ? WorkerRuntimeConfigFile : OwnRuntimeConfigFile)} is not in {directory}");
        }
        else
        {
            foreach (var name in worker.Keys.Union(own.Keys).Order(StringComparer.Ordinal))
            {
                var mine = own.GetValueOrDefault(name, "unset");
                var theirs = worker.GetValueOrDefault(name, "unset");
                if (!string.Equals(mine, theirs, StringComparison.OrdinalIgnoreCase))
                {
                    differences.Add($"runtimeconfig {name} = {mine} (worker: {theirs})");
                }
            }
        }

        foreach (var (name, value) in RuntimeEnvironment())
        {
            differences.Add($"environment {name}={value} (the worker's runtimeconfig decides it: PipelineRuntime.props)");
        }

        // On one core the runtime uses the workstation GC whatever is configured, for the worker as well (taskset -c 0).
        if (!ServerGc && Environment.ProcessorCount > 1 && worker is not null && worker.GetValueOrDefault("System.GC.Server") == "true")
        {
            differences.Add("workstation GC (worker: server)");
        }

        return differences.Count == 0 ? null : string.Join("; ", differences);
    }

    /// <summary>The environment variables that set a runtime knob (<c>DOTNET_</c> or <c>COMPlus_</c>, host and SDK ones left out).</summary>
    private static IEnumerable<(string Name, string Value)> RuntimeEnvironment()
    {
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            var prefix = name.StartsWith("DOTNET_", StringComparison.Ordinal) ? "DOTNET_".Length
                : name.StartsWith("COMPlus_", StringComparison.OrdinalIgnoreCase) ? "COMPlus_".Length
                : -1;
            if (prefix < 0 || name.Equals("DOTNET_PROCESSOR_COUNT", StringComparison.Ordinal))
            {
                continue;
            }

            var knob = name[prefix..];
            if (!NotRuntimeSettings.Any(n => knob.StartsWith(n, StringComparison.OrdinalIgnoreCase)))
            {
                yield return (name, (string?)entry.Value ?? "");
            }
        }
    }

    /// <summary>A runtimeconfig.json's <c>configProperties</c> as text (JSON true → "true"), or null when the file is missing.</summary>
    internal static Dictionary<string, string>? ReadConfigProperties(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.RootElement.TryGetProperty("runtimeOptions", out var options) && options.TryGetProperty("configProperties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }
        }

        return result;
    }

    private static string Setting(string? appContextName, string environmentName)
    {
        // The environment wins over runtimeconfig.json, as in the runtime's own lookup.
        var fromEnvironment = Environment.GetEnvironmentVariable(environmentName);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        return appContextName is not null && AppContext.GetData(appContextName) is { } value
            ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default"
            : "default";
    }
}
