using System.Globalization;
using System.Reflection;
using System.Runtime;

namespace SmimePipeline.Benchmarks;

/// <summary>
/// What the garbage collector did while a piece of work ran: collections per generation, the time threads were
/// suspended for them (<see cref="GC.GetTotalPauseDuration"/>) and the bytes allocated, so own work can be read as
/// "so many collections per mail, each a suspension" and the gen-0 budget in effect shown (bytes allocated per gen-0
/// collection). The budget is the one figure that differs between machines without any code changing: the runtime
/// derives it from the CPU cache size it reads (sysconf, which on x86 asks CPUID, or /sys/devices/system/cpu) unless
/// <c>DOTNET_GCgen0size</c> sets it.
/// </summary>
internal readonly record struct GcActivity(long Gen0, long Gen1, long Gen2, TimeSpan Pause, long AllocatedBytes)
{
    /// <summary>The counters now (process-wide, all threads).</summary>
    public static GcActivity Now() => new(
        GC.CollectionCount(0),
        GC.CollectionCount(1),
        GC.CollectionCount(2),
        GC.GetTotalPauseDuration(),
        GC.GetTotalAllocatedBytes(precise: false));

    /// <summary>The counters of <paramref name="later"/> minus those of <paramref name="earlier"/>.</summary>
    public static GcActivity operator -(GcActivity later, GcActivity earlier) => new(
        later.Gen0 - earlier.Gen0,
        later.Gen1 - earlier.Gen1,
        later.Gen2 - earlier.Gen2,
        later.Pause - earlier.Pause,
        later.AllocatedBytes - earlier.AllocatedBytes);

    /// <summary>The counters of both added.</summary>
    public static GcActivity operator +(GcActivity left, GcActivity right) => new(
        left.Gen0 + right.Gen0,
        left.Gen1 + right.Gen1,
        left.Gen2 + right.Gen2,
        left.Pause + right.Pause,
        left.AllocatedBytes + right.AllocatedBytes);

    /// <summary>
    /// The gen-0 budget of heap 0 as the GC holds it now, from the runtime's internal <c>GC.GetGenerationBudget</c>
    /// (present in .NET 8-10, used by the runtime's own GC tests); -1 when a runtime no longer has it, then read the
    /// budget from bytes allocated per gen-0 collection instead.
    /// </summary>
    public static long Gen0BudgetOfHeap0()
    {
        var method = typeof(GC).GetMethod("GetGenerationBudget", BindingFlags.NonPublic | BindingFlags.Static, [typeof(int)]);
        return method?.Invoke(null, [0]) is long budget ? budget : -1;
    }

    /// <summary>The GC's mode and the settings that shape the gen-0 budget, as a JSON object's members.</summary>
    public static string SettingsJson()
    {
        var gc = GC.GetConfigurationVariables();
        string Value(string key) => gc.TryGetValue(key, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" : "";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"\"gc\":\"{(GCSettings.IsServerGC ? "server" : "workstation")}\",\"concurrent\":{Value("ConcurrentGC").ToLowerInvariant()},\"heaps\":{Value("HeapCount")},\"datas\":{Value("GCDynamicAdaptationMode")},\"gen0sizeEnv\":\"{Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? ""}\",\"conserveMemory\":{Value("GCConserveMem")}");
    }

    /// <summary>Per-mail figures for <paramref name="mails"/> mails, as a JSON object's members.</summary>
    public string PerMailJson(long mails) => string.Create(
        CultureInfo.InvariantCulture,
        $"\"gen0Per1000Mails\":{Gen0 * 1000.0 / mails:F1},\"gen1Per1000Mails\":{Gen1 * 1000.0 / mails:F2},\"gen2Per1000Mails\":{Gen2 * 1000.0 / mails:F2},\"pauseMicrosecondsPerMail\":{Pause.TotalMicroseconds / mails:F2},\"bytesPerGen0\":{(Gen0 == 0 ? 0 : AllocatedBytes / Gen0)}");
}
