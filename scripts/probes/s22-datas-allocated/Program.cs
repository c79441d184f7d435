// Issue 17, session 22: does GC.GetTotalAllocatedBytes(precise: true) lose bytes when DATAS changes the number of server GC
// heaps? (dotnet/runtime PR 131069: the runtime summed only the heaps active at the call.) Alternating busy phases (two
// threads allocating flat out) and quiet ones (one thread, a trickle), as a bench's warm-up, JIT wait and measured run
// alternate. Every allocating thread counts its own bytes (GC.GetAllocatedBytesForCurrentThread, exact for that thread);
// the main thread samples the total every 20 ms and the GC's heap count from its GCGlobalHeapHistory events.
//   dotnet run -c Release -- [cycles] [quiet seconds] [quiet bytes per ms, 0 = one thread flat out]
using System.Diagnostics.Tracing;

int cycles = args.Length > 0 ? int.Parse(args[0]) : 6;
int quietSeconds = args.Length > 1 ? int.Parse(args[1]) : 3;
int quietRate = args.Length > 2 ? int.Parse(args[2]) : 2_000;
using var heaps = new HeapCountListener();
long threadBytes = 0;
var stop = new ManualResetEventSlim();
object sink = new();
void Allocate(TimeSpan duration, int bytesPerMillisecond)
{
    long before = GC.GetAllocatedBytesForCurrentThread();
    var until = DateTime.UtcNow + duration;
    var keep = new byte[64][];
    int i = 0;
    while (DateTime.UtcNow < until)
    {
        // Mail-sized arrays that die young, a few kept a little longer (as a mail's buffers are).
        keep[i++ % keep.Length] = new byte[54_000];
        if (bytesPerMillisecond > 0)
        {
            Thread.Sleep(54_000 / bytesPerMillisecond);
        }
    }

    sink = keep;
    Interlocked.Add(ref threadBytes, GC.GetAllocatedBytesForCurrentThread() - before);
}

long start = GC.GetTotalAllocatedBytes(precise: true);
long mainBefore = GC.GetAllocatedBytesForCurrentThread();
int startHeaps = heaps.Latest;
long previous = start, drops = 0, largestDrop = 0, samples = 0;
var sampler = new Thread(() =>
{
    while (!stop.IsSet)
    {
        long now = GC.GetTotalAllocatedBytes(precise: true);
        Interlocked.Increment(ref samples);
        if (now < Interlocked.Read(ref previous))
        {
            Interlocked.Increment(ref drops);
            largestDrop = Math.Max(largestDrop, Interlocked.Read(ref previous) - now);
        }

        Interlocked.Exchange(ref previous, now);
        Thread.Sleep(20);
    }
}) { IsBackground = true };
sampler.Start();
for (int c = 0; c < cycles; c++)
{
    var busy = Enumerable.Range(0, 2).Select(_ => new Thread(() => Allocate(TimeSpan.FromSeconds(2), 0))).ToList();
    busy.ForEach(t => t.Start());
    busy.ForEach(t => t.Join());
    var quiet = new Thread(() => Allocate(TimeSpan.FromSeconds(quietSeconds), quietRate));
    quiet.Start();
    quiet.Join();
    Console.WriteLine($"cycle {c + 1}: heaps seen {string.Join(",", heaps.Seen)}; total so far {(GC.GetTotalAllocatedBytes(precise: true) - start) / 1e6:F1} MB, threads' own {Interlocked.Read(ref threadBytes) / 1e6:F1} MB");
}

stop.Set();
sampler.Join();
long total = GC.GetTotalAllocatedBytes(precise: true) - start;
long own = Interlocked.Read(ref threadBytes) + (GC.GetAllocatedBytesForCurrentThread() - mainBefore);
Console.WriteLine($"heaps at start {startHeaps}, at end {heaps.Latest}, changes {heaps.Changes}");
Console.WriteLine($"GetTotalAllocatedBytes(precise) over the run {total / 1e6:F1} MB; the threads' own counts {own / 1e6:F1} MB (the sampler's not counted); ratio {(double)total / own:F3}");
Console.WriteLine($"samples {samples}, the total went down {drops} times, by at most {largestDrop / 1e6:F1} MB");
GC.KeepAlive(sink);

/// <summary>The server GC's active heap count, from the runtime's GCGlobalHeapHistory events (field NumHeaps).</summary>
internal sealed class HeapCountListener : EventListener
{
    private readonly List<int> _seen = [];
    public int Latest { get; private set; } = -1;
    public int Changes { get; private set; }
    public IReadOnlyList<int> Seen { get { lock (_seen) { return [.. _seen]; } } }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName?.StartsWith("GCGlobalHeapHistory", StringComparison.Ordinal) != true || e.PayloadNames is null || e.Payload is null)
        {
            return;
        }

        int index = e.PayloadNames.IndexOf("NumHeaps");
        if (index < 0)
        {
            return;
        }

        int n = Convert.ToInt32(e.Payload[index]);
        lock (_seen)
        {
            if (n != Latest)
            {
                if (Latest >= 0)
                {
                    Changes++;
                }

                Latest = n;
                if (!_seen.Contains(n))
                {
                    _seen.Add(n);
                }
            }
        }
    }
}
