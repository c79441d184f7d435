using System.Globalization;
using System.Reflection;
using System.Runtime;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What the garbage collector did per protected message during a measurement, and the gen-0 budget it ran with, so a
/// protect figure from another machine explains itself (issue 17, target 3): every gen-0 collection suspends the
/// protecting threads, and how often one comes is the allocation per message divided by the gen-0 budget, a figure the
/// runtime derives from the cache size it reads (sysconf/CPUID, /sys/devices/system/cpu) and, under the server GC's
/// dynamic adaptation (DATAS, on by default since .NET 9), adapts while running.
/// </summary>
/// <param name="Mode"><c>server</c> or <c>workstation</c>, with <c>, DATAS</c> when dynamic adaptation is on.</param>
/// <param name="Heaps">GC heaps (server GC: one per core at most; DATAS starts with one).</param>
/// <param name="Gen0Per1000Messages">Gen-0 collections (those of gen 1 and 2 included) per 1,000 messages.</param>
/// <param name="Gen1Per1000Messages">Gen-1 collections per 1,000 messages.</param>
/// <param name="PauseMicrosecondsPerMessage">Time the runtime was suspended for collections, per message (<see cref="GC.GetTotalPauseDuration"/>).</param>
/// <param name="BytesPerGen0">Bytes allocated per gen-0 collection: the gen-0 budget in effect, all heaps together; 0 without a collection.</param>
/// <param name="Gen0BudgetBytes">Heap 0's gen-0 budget as the GC holds it at the end (the runtime's internal <c>GC.GetGenerationBudget</c>); -1 when the runtime does not offer it.</param>
/// <param name="Gen0SizeSetting">The <c>DOTNET_GCgen0size</c> environment setting (hex), empty when unset (the runtime's own budget).</param>
internal sealed record ProtectGcFigures(
    string Mode,
    long Heaps,
    double Gen0Per1000Messages,
    double Gen1Per1000Messages,
    double PauseMicrosecondsPerMessage,
    long BytesPerGen0,
    long Gen0BudgetBytes,
    string Gen0SizeSetting)
{
    /// <summary>The figures of a measurement of <paramref name="messages"/> messages.</summary>
    public static ProtectGcFigures From(ThroughputHarness.Measurement measurement, long messages)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        messages = Math.Max(messages, 1);
        var gc = GC.GetConfigurationVariables();
        bool datas = gc.TryGetValue("GCDynamicAdaptationMode", out var mode) && Convert.ToInt64(mode, CultureInfo.InvariantCulture) == 1 && GCSettings.IsServerGC;
        return new ProtectGcFigures(
            (GCSettings.IsServerGC ? "server" : "workstation") + (datas ? ", DATAS" : ""),
            gc.TryGetValue("HeapCount", out var heaps) ? Convert.ToInt64(heaps, CultureInfo.InvariantCulture) : 1,
            Math.Round(measurement.Gen0Collections * 1000.0 / messages, 1),
            Math.Round(measurement.Gen1Collections * 1000.0 / messages, 2),
            Math.Round(measurement.GcPause.TotalMicroseconds / messages, 2),
            measurement.Gen0Collections == 0 ? 0 : measurement.AllocatedBytes / measurement.Gen0Collections,
            Gen0BudgetOfHeap0(),
            Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "");
    }

    /// <summary>One line for the console.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"GC {Mode}, {Heaps} heap(s): {Gen0Per1000Messages:F1} gen-0 collections per 1,000 mails ({Gen1Per1000Messages:F2} gen-1), {PauseMicrosecondsPerMessage:F1} µs paused per mail; gen-0 budget in effect {BytesPerGen0 / 1024.0:F0} KB per collection (heap 0 now {(Gen0BudgetBytes < 0 ? "unknown" : (Gen0BudgetBytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " KB")}{(Gen0SizeSetting.Length > 0 ? ", DOTNET_GCgen0size=" + Gen0SizeSetting : ", the runtime's own")})");

    /// <summary>
    /// Heap 0's gen-0 budget from the runtime's internal <c>GC.GetGenerationBudget(int)</c> (present in .NET 8-10, used
    /// by the runtime's GC tests); -1 when a runtime no longer has it: then <see cref="BytesPerGen0"/> says the same.
    /// </summary>
    private static long Gen0BudgetOfHeap0()
    {
        var method = typeof(GC).GetMethod("GetGenerationBudget", BindingFlags.NonPublic | BindingFlags.Static, [typeof(int)]);
        return method?.Invoke(null, [0]) is long budget ? budget : -1;
    }
}
