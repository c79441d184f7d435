using System.Runtime.InteropServices;

namespace SmimePipeline.Cli.Bench;

/// <summary><c>clock_gettime(2)</c> for the bench's clocks (<see cref="ThreadCpuClock"/>, <see cref="FileTimestampClock"/>).</summary>
internal static partial class LibcClock
{
    /// <summary>Clock <paramref name="clockId"/>'s time in nanoseconds, or null where the call is not available (not Linux) or fails.</summary>
    public static long? TryNanoseconds(int clockId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return ClockGetTime(clockId, out var time) == 0 ? (time.Seconds * 1_000_000_000L) + time.Nanoseconds : null;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);
}
