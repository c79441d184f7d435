using System.Globalization;
using System.Runtime.InteropServices;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Lowers the Linux scheduling priority (raises the nice value) of the calling thread only. .NET's
/// <see cref="Thread.Priority"/> does nothing here: the runtime maps it to a scheduling priority that Linux's default
/// policy (SCHED_OTHER) ignores (dotnet/runtime#91165, #72246), and no package sets a thread's nice value, so this calls
/// the C library directly: <c>setpriority(PRIO_PROCESS, gettid(), n)</c>, which on Linux applies to that one thread.
/// An unprivileged process may raise a nice value but never lower it again, so this is only for dedicated threads that
/// start niced and stay so, never for thread-pool threads. Elsewhere than Linux it changes nothing and says so.
/// </summary>
internal static partial class LinuxThreadNice
{
    private const int PrioProcess = 0; // PRIO_PROCESS: with a thread id, setpriority(2) on Linux sets that thread's nice value

    /// <summary>Sets the calling thread's nice value to <paramref name="nice"/> (0-19).</summary>
    /// <returns>Null when it was set; otherwise why not (not Linux, or the system's error), for a log line.</returns>
    public static string? TrySetCurrentThread(int nice)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nice, 19);
        if (!OperatingSystem.IsLinux())
        {
            return "thread nice values are set on Linux only";
        }

        return SetPriority(PrioProcess, CurrentThreadId(), nice) == 0
            ? null
            : $"setpriority failed: {Marshal.GetLastPInvokeErrorMessage()}";
    }

    /// <summary>The calling thread's kernel thread id (Linux only).</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>A thread's nice value as the kernel reports it (field 19 of <c>/proc/self/task/TID/stat</c>; Linux only).</summary>
    /// <exception cref="IOException">The thread does not exist (any more).</exception>
    public static int ReadNice(int threadId)
    {
        var stat = File.ReadAllText($"/proc/self/task/{threadId.ToString(CultureInfo.InvariantCulture)}/stat");
        // "tid (comm) state ppid ...": the command may hold spaces and parentheses; fields are counted after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], CultureInfo.InvariantCulture);
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int prio);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();
}
