using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What the garbage collector did during a measured <c>bench pipeline</c> run and what its pauses cost the mails (issue 17,
/// session 16): every collection stops the threads that move small mails, and in the target-2 mix (every 10th mail
/// ≈ 1.5 MB) session 15 counted 22–24 gen-2 collections per 1,000 mails against 0–0.7 alone. The pause total is the
/// runtime's own (<see cref="GC.GetTotalPauseDuration"/>); the single pauses, their generations and the blocking/background
/// split come from <see cref="GcPauseMonitor"/>.
/// </summary>
/// <param name="PauseMilliseconds">Time the runtime stood still for collections during the run.</param>
/// <param name="PauseMicrosecondsPerMail"><paramref name="PauseMilliseconds"/> per mail.</param>
/// <param name="Pauses">Stops for a collection seen during the run.</param>
/// <param name="LargestPauseMilliseconds">The longest single stop.</param>
/// <param name="LargestPauseGeneration">The deepest generation collected in that stop (-1: unknown).</param>
/// <param name="PausesOver10Milliseconds">Stops of 10 ms or more.</param>
/// <param name="Gen2PauseMilliseconds">The stops of gen-2 collections together (blocking ones whole, background ones' suspensions).</param>
/// <param name="Gen1CollectionsPerThousandMails">Gen-1 collections (gen-2 ones included) per 1,000 mails.</param>
/// <param name="Gen2BlockingPerThousandMails">Blocking gen-2 collections per 1,000 mails.</param>
/// <param name="Gen2BackgroundPerThousandMails">Background gen-2 collections per 1,000 mails.</param>
/// <param name="MailPauseMilliseconds">The mails of the run's size (not the large ones): the pause time inside each one's publish → file interval, on average.</param>
/// <param name="SlowestMailPauseMilliseconds">The same over the slowest 1 % of those mails (publish → file at or above the p99): how much of the tail the GC's pauses explain.</param>
/// <param name="SlowestMailLatencyMilliseconds">Those slowest mails' publish → file time, on average, for the ratio.</param>
internal sealed record PipelineGcFigures(
    double PauseMilliseconds,
    double PauseMicrosecondsPerMail,
    int Pauses,
    double LargestPauseMilliseconds,
    int LargestPauseGeneration,
    int PausesOver10Milliseconds,
    double Gen2PauseMilliseconds,
    double Gen1CollectionsPerThousandMails,
    double Gen2BlockingPerThousandMails,
    double Gen2BackgroundPerThousandMails,
    double MailPauseMilliseconds,
    double SlowestMailPauseMilliseconds,
    double SlowestMailLatencyMilliseconds)
{
    /// <summary>
    /// The figures of a run of <paramref name="messages"/> mails: <paramref name="pauseTotal"/> from the runtime,
    /// <paramref name="record"/> from the monitor, <paramref name="gen1"/> collections counted by the runtime, and
    /// <paramref name="mails"/> each measured mail's publish and file times (UTC).
    /// </summary>
    public static PipelineGcFigures From(TimeSpan pauseTotal, GcPauseRecord record, int gen1, int messages, IReadOnlyList<(DateTime Published, DateTime Filed)> mails)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(mails);
        messages = Math.Max(messages, 1);
        var largest = record.Pauses.Count == 0 ? default : record.Pauses.MaxBy(p => p.Duration);
        var latencies = mails.Select(m => (m.Filed - m.Published).TotalMilliseconds).Order().ToList();
        double p99 = StageLatency.Percentile(latencies, 0.99);
        var slowest = mails.Where(m => (m.Filed - m.Published).TotalMilliseconds >= p99).ToList();
        return new PipelineGcFigures(
            Math.Round(pauseTotal.TotalMilliseconds, 1),
            Math.Round(pauseTotal.TotalMicroseconds / messages, 1),
            record.Pauses.Count,
            Math.Round(largest.Duration.TotalMilliseconds, 2),
            record.Pauses.Count == 0 ? -1 : largest.Generation,
            record.Pauses.Count(p => p.Duration >= TimeSpan.FromMilliseconds(10)),
            Math.Round(record.Pauses.Where(p => p.Generation == 2).Sum(p => p.Duration.TotalMilliseconds), 1),
            Math.Round(gen1 * 1000.0 / messages, 2),
            Math.Round(record.Gen2Blocking * 1000.0 / messages, 2),
            Math.Round(record.Gen2Background * 1000.0 / messages, 2),
            Math.Round(mails.Count == 0 ? 0 : mails.Average(m => record.PauseWithin(m.Published, m.Filed).TotalMilliseconds), 2),
            Math.Round(slowest.Count == 0 ? 0 : slowest.Average(m => record.PauseWithin(m.Published, m.Filed).TotalMilliseconds), 2),
            Math.Round(slowest.Count == 0 ? 0 : slowest.Average(m => (m.Filed - m.Published).TotalMilliseconds), 1));
    }

    /// <summary>One line for the console.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"GC: {PauseMicrosecondsPerMail:F0} µs paused per mail ({Pauses} pauses, largest {LargestPauseMilliseconds:F1} ms in a gen-{LargestPauseGeneration} collection, {PausesOver10Milliseconds} of 10 ms or more); gen-2 per 1,000 mails {Gen2BlockingPerThousandMails:F2} blocking + {Gen2BackgroundPerThousandMails:F2} background; paused inside a mail's publish → file {MailPauseMilliseconds:F1} ms on average, {SlowestMailPauseMilliseconds:F1} ms of the slowest 1 %'s {SlowestMailLatencyMilliseconds:F0} ms");
}
