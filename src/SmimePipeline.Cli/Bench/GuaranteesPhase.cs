using System.Collections.Concurrent;
using System.Diagnostics;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// One batch of <c>smime bench guarantees</c> mails (the warm-up, or the measured run): which were published and when,
/// which were handled and how often, and when the last one was. With <c>--large-every N</c> (issue 17, session 20) every
/// Nth mail is a large one, as in <c>bench pipeline</c>: the batch knows which, and reports the publish → file latencies of
/// the two sizes apart (<see cref="FileLatencies"/>).
/// </summary>
/// <param name="count">Mails the batch publishes.</param>
/// <param name="largeEvery">0, or N: mail number i (from 0) is large when i % N = N - 1 (<c>bench pipeline</c>'s rule).</param>
internal sealed class GuaranteesPhase(int count, int largeEvery = 0)
{
    private readonly ConcurrentDictionary<Guid, long> _published = new();
    private readonly ConcurrentDictionary<Guid, DateTime> _publishedOnFileClock = new();
    private readonly ConcurrentDictionary<Guid, bool> _large = new();
    private readonly ConcurrentDictionary<Guid, int> _handled = new();
    private readonly ConcurrentBag<double> _latencies = [];
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _end;
    private int _delivered;
    private int _duplicates;

    /// <summary>Mails the batch publishes.</summary>
    public int Count => count;

    /// <summary>Completes when every mail was handled once; faults with the first hand-over that failed.</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Distinct mails handled so far.</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>Handlings of a mail already handled (redeliveries).</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>The ids published.</summary>
    public IReadOnlyCollection<Guid> Ids => [.. _published.Keys];

    /// <summary>Each handled mail's publish → ack time, ms.</summary>
    public IEnumerable<double> Latencies => _latencies;

    /// <summary>From the batch's start to its last mail handled (to now while running).</summary>
    public double Seconds => Stopwatch.GetElapsedTime(_start, Volatile.Read(ref _end) is 0 ? Stopwatch.GetTimestamp() : Volatile.Read(ref _end)).TotalSeconds;

    /// <summary>The first mail's trace id.</summary>
    public string? SampleTraceId { get; set; }

    /// <summary>Whether mail number <paramref name="index"/> of a batch is a large one (<c>bench pipeline</c>'s rule).</summary>
    public static bool IsLarge(int index, int largeEvery) => largeEvery > 0 && index % largeEvery == largeEvery - 1;

    /// <summary>Whether mail <paramref name="id"/> of this batch is a large one.</summary>
    public bool IsLargeMail(Guid id) => _large.ContainsKey(id);

    /// <summary>
    /// Each handled mail's publish → pickup file latency, small and large apart, each sorted: the file's modification
    /// time (the kernel's coarse clock, at its last write) less the publish stamp taken on the same clock
    /// (<see cref="FileTimestampClock"/>), as <c>bench pipeline</c> measures target 2's latencies. Mails without a file are
    /// left out.
    /// </summary>
    public (List<double> Small, List<double> Large) FileLatencies(Func<Guid, string> pathFor)
    {
        ArgumentNullException.ThrowIfNull(pathFor);
        var small = new List<double>(count);
        var large = new List<double>(_large.Count);
        foreach (var (id, sent) in _publishedOnFileClock)
        {
            var file = new FileInfo(pathFor(id));
            if (file.Exists)
            {
                (IsLargeMail(id) ? large : small).Add((file.LastWriteTimeUtc - sent).TotalMilliseconds);
            }
        }

        small.Sort();
        large.Sort();
        return (small, large);
    }

    /// <summary>
    /// Publishes the batch's mails, each with a fresh id, through <paramref name="publishOne"/> (given the id and whether the
    /// mail is a large one; its task ends when the broker confirmed it) in a sliding window: the next publish starts as soon
    /// as any one of <paramref name="inFlight"/> is confirmed.
    /// With <paramref name="rate"/> above 0 (<c>--rate</c>, session 19) mail i starts no earlier than i / rate seconds into
    /// the batch, as <c>bench pipeline</c>'s producer paces.
    /// </summary>
    public async Task PublishAsync(int inFlight, Func<Guid, bool, Task> publishOne, CancellationToken cancellationToken, double rate = 0)
    {
        ArgumentNullException.ThrowIfNull(publishOne);
        using var window = new SemaphoreSlim(inFlight, inFlight);
        var pending = new List<Task>(count);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            if (rate > 0 && TimeSpan.FromSeconds(i / rate) - clock.Elapsed is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait, cancellationToken);
            }

            await window.WaitAsync(cancellationToken);
            pending.Add(PublishInWindowAsync(Guid.NewGuid(), IsLarge(i, largeEvery), publishOne, window));
        }

        await Task.WhenAll(pending);
    }

    private async Task PublishInWindowAsync(Guid id, bool large, Func<Guid, bool, Task> publishOne, SemaphoreSlim window)
    {
        try
        {
            if (large)
            {
                _large[id] = true;
            }

            Published(id);
            await publishOne(id, large);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>Notes that mail <paramref name="id"/> is being published now (on the stopwatch and on the pickup files' clock).</summary>
    public void Published(Guid id)
    {
        _publishedOnFileClock[id] = FileTimestampClock.UtcNow;
        _published[id] = Stopwatch.GetTimestamp();
    }

    /// <summary>Counts mail <paramref name="id"/> as handled (a second handling as a duplicate); false when it is not this batch's.</summary>
    public bool Handled(Guid id)
    {
        if (!_published.TryGetValue(id, out long sent))
        {
            return false;
        }

        if (_handled.AddOrUpdate(id, 1, (_, n) => n + 1) > 1)
        {
            Interlocked.Increment(ref _duplicates);
            return true;
        }

        _latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
        if (Interlocked.Increment(ref _delivered) == count)
        {
            Volatile.Write(ref _end, Stopwatch.GetTimestamp());
            Done.TrySetResult();
        }

        return true;
    }

    /// <summary>Ends the batch with <paramref name="failure"/> (a hand-over that threw).</summary>
    public void Fail(Exception failure) => Done.TrySetException(failure);
}
