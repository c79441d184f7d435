using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// Starts a counter's series at 0. A counter's series appears in Prometheus only with its first value, and
/// <c>increase()</c> and <c>rate()</c> need two samples of a series: the first count of a series born at 1 is invisible to
/// them, and a dashboard shows it as 0. Every series whose label values are a finite set known when the worker starts is
/// started through this, by <see cref="Hosting.CounterSeriesAtStart"/> once the host has started (a value recorded before
/// OpenTelemetry's meter listener is on is lost).
/// </summary>
internal static class CounterSeries
{
    /// <summary>Adds 0 to <paramref name="counter"/> under each of <paramref name="series"/>' tag sets.</summary>
    public static void StartAtZero(Counter<long> counter, IEnumerable<TagList> series)
    {
        foreach (var tags in series)
        {
            counter.Add(0, tags);
        }
    }

    /// <summary>Adds 0 to <paramref name="counter"/> under the tag <paramref name="key"/> with each of <paramref name="values"/>.</summary>
    public static void StartAtZero(Counter<long> counter, string key, IEnumerable<string> values) =>
        StartAtZero(counter, values.Select(value => new TagList { { key, value } }));
}
