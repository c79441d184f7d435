using System.Collections.Concurrent;
using System.Diagnostics;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Counts every span a bench run makes, by source, name, kind, and whether it was recorded (<c>--count-spans</c>,
/// session 20). Its listener asks for nothing (<see cref="ActivitySamplingResult.None"/>), so it changes no sampling
/// decision, but it is called for every activity started and stopped and makes every source "listened to": it costs a
/// little CPU, so a run that counts is for the counts, not for CPU figures.
/// </summary>
internal sealed class SpanCensus : IDisposable
{
    private readonly ConcurrentDictionary<(string Source, string Name, ActivityKind Kind, bool AllData, bool Sampled), long> _counts = new();
    private readonly ActivityListener _listener;

    public SpanCensus()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) => ActivitySamplingResult.None,
            ActivityStopped = activity => _counts.AddOrUpdate(
                (activity.Source.Name, activity.OperationName, activity.Kind, activity.IsAllDataRequested, activity.Recorded), 1, static (_, n) => n + 1),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Forgets what was counted (call it when the measured run starts).</summary>
    public void Reset() => _counts.Clear();

    /// <summary>What was counted since <see cref="Reset"/>, per mail of <paramref name="mails"/>, by source and most first.</summary>
    public IReadOnlyList<SpanCount> PerMail(int mails) =>
    [
        .. _counts
            .Select(entry => new SpanCount(
                entry.Key.Source, entry.Key.Name, entry.Key.Kind.ToString(), entry.Key.AllData, entry.Key.Sampled,
                Math.Round((double)entry.Value / Math.Max(mails, 1), 3)))
            .OrderBy(count => count.Source, StringComparer.Ordinal)
            .ThenByDescending(count => count.PerMail),
    ];

    public void Dispose() => _listener.Dispose();
}
