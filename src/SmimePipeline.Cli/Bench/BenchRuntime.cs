using System.Globalization;
using System.Runtime;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The runtime settings this process measured with, as the GC and the host report them, so that a pipeline figure can
/// be read against the worker's (<c>SmimePipeline.Worker.runtimeconfig.json</c>): both projects use the Web SDK (server
/// GC, concurrent GC, tiered compilation with PGO, no ReadyToRun) and <c>Directory.Build.targets</c> gives both a call
/// counting delay of 0; only the worker raises the large-object threshold to <see cref="WorkerLohThresholdBytes"/>.
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
    /// <summary>The worker's <c>System.GC.LOHThreshold</c> (SmimePipeline.Worker.csproj).</summary>
    public const long WorkerLohThresholdBytes = 1_048_576;

    /// <summary>Whether this process runs with the worker's GC and JIT settings.</summary>
    public bool MatchesWorker => DifferenceFromWorker() is null;

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

    /// <summary>What differs from the worker, in words, or null when nothing does.</summary>
    public string? DifferenceFromWorker()
    {
        var differences = new List<string>();
        // On one core the runtime uses the workstation GC whatever is configured, for the worker as well (taskset -c 0).
        if ((!ServerGc && Environment.ProcessorCount > 1) || !ConcurrentGc)
        {
            differences.Add($"GC {(ServerGc ? "server" : "workstation")}{(ConcurrentGc ? "" : ", not concurrent")} (worker: server, concurrent)");
        }

        if (LohThresholdBytes != WorkerLohThresholdBytes)
        {
            differences.Add($"large-object threshold {LohThresholdBytes} B (worker: {WorkerLohThresholdBytes}; run with DOTNET_GCLOHThreshold=0x100000 as scripts/bench.sh does)");
        }

        if (TieredCompilation != "default" || TieredPgo != "default" || ReadyToRun != "default" || CallCountingDelayMs != "0")
        {
            differences.Add($"JIT: tiered compilation {TieredCompilation}, TieredPGO {TieredPgo}, ReadyToRun {ReadyToRun}, call counting delay {CallCountingDelayMs} (worker: default, default, default, 0)");
        }

        return differences.Count == 0 ? null : string.Join("; ", differences);
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
