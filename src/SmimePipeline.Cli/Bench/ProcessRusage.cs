using System.Runtime.InteropServices;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// This process's context switches and page faults since construction, all threads together (those that have ended too),
/// from <c>getrusage(RUSAGE_SELF)</c>. Voluntary switches count every time one of its threads blocked (a futex wait for a
/// task or a semaphore, an <c>fsync</c>, a socket wait): the thread hops and wake-ups per mail, which a change to the number
/// of awaits moves and a neighbour's load hardly does. Involuntary switches count preemptions (the load's figure); minor
/// faults count pages the kernel had to map (fresh heap, stacks, file pages). Issue 17, session 15: on this shared machine
/// the CPU per mail moves by ±40 % with the neighbours, these counts by a few per cent.
/// </summary>
internal sealed partial class ProcessRusage
{
    private const int RusageSelf = 0;

    private readonly Counts _start;

    /// <summary>Starts counting; every count is 0 where <c>getrusage</c> is not available (not Linux).</summary>
    public ProcessRusage() => _start = Read();

    /// <summary>The counts since construction.</summary>
    public Counts Elapsed
    {
        get
        {
            var now = Read();
            return new Counts(
                now.VoluntarySwitches - _start.VoluntarySwitches,
                now.InvoluntarySwitches - _start.InvoluntarySwitches,
                now.MinorFaults - _start.MinorFaults,
                now.MajorFaults - _start.MajorFaults);
        }
    }

    private static Counts Read()
    {
        if (!OperatingSystem.IsLinux() || GetRusage(RusageSelf, out var usage) != 0)
        {
            return default;
        }

        return new Counts(usage.VoluntarySwitches, usage.InvoluntarySwitches, usage.MinorFaults, usage.MajorFaults);
    }

    /// <summary>Context switches and page faults of this process.</summary>
    /// <param name="VoluntarySwitches">A thread blocked and gave up its core (<c>ru_nvcsw</c>).</param>
    /// <param name="InvoluntarySwitches">A thread was preempted (<c>ru_nivcsw</c>).</param>
    /// <param name="MinorFaults">Page faults served without I/O (<c>ru_minflt</c>).</param>
    /// <param name="MajorFaults">Page faults that read from disk (<c>ru_majflt</c>).</param>
    internal readonly record struct Counts(long VoluntarySwitches, long InvoluntarySwitches, long MinorFaults, long MajorFaults);

    // struct rusage on 64-bit Linux: two struct timeval, then fourteen longs.
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentKilobytes;
        public long SharedMemory;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlockInputs;
        public long BlockOutputs;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out Rusage usage);
}
