using System.Globalization;
using System.Text.RegularExpressions;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Reads counters from a worker process's Prometheus text at <c>/metrics</c>, as Prometheus would.</summary>
public static partial class MetricsScrape
{
    /// <summary>The sum of every series of <paramref name="metric"/> whose labels include all of <paramref name="labels"/> (e.g. <c>stage="protect"</c>).</summary>
    public static async Task<double> SumAsync(WorkerProcess worker, string metric, params string[] labels)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return Sum(await TextAsync(worker.BaseAddress), metric, labels);
    }

    /// <summary>The sum over a scrape text (see <see cref="SumAsync"/>).</summary>
    public static double Sum(string scrape, string metric, params string[] labels) => Values(scrape, metric, labels).Sum();

    /// <summary>
    /// The value of each series of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>, in scrape
    /// order: none when no such series is shown (a counter never given a value).
    /// </summary>
    public static IReadOnlyList<double> Values(string scrape, string metric, params string[] labels)
    {
        ArgumentNullException.ThrowIfNull(scrape);
        return [.. Series().Matches(scrape)
            .Where(line => line.Groups["name"].Value == metric && labels.All(l => line.Groups["labels"].Value.Contains(l, StringComparison.Ordinal)))
            .Select(line => double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture))];
    }

    /// <summary>The sum of <paramref name="metric"/> over series whose labels include <paramref name="label"/>=<paramref name="value"/> (0 when none).</summary>
    public static async Task<double> ReadAsync(Uri workerBase, string metric, string label, string value)
        => Sum(await TextAsync(workerBase), metric, $"{label}=\"{value}\"");

    /// <summary>The Prometheus text a worker serves at <c>/metrics</c> under <paramref name="workerBase"/>.</summary>
    public static async Task<string> TextAsync(Uri workerBase)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        return await http.GetStringAsync(new Uri(workerBase, "metrics"));
    }

    /// <summary>Each metric family of a scrape text and its type, from the <c># TYPE name type</c> lines (the first one of a name).</summary>
    public static IReadOnlyDictionary<string, string> Families(string scrape) => TypeLine().Matches(scrape)
        .DistinctBy(m => m.Groups["name"].Value)
        .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["type"].Value, StringComparer.Ordinal);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN|\+Inf)", RegexOptions.Multiline)]
    private static partial Regex Series();

    [GeneratedRegex(@"^# TYPE (?<name>\S+) (?<type>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
