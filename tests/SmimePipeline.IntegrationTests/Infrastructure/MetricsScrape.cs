using System.Globalization;
using System.Text.RegularExpressions;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Reads counters from a worker's Prometheus endpoint (<c>/metrics</c>), summed over the series that carry the given label.</summary>
public static partial class MetricsScrape
{
    /// <summary>The sum of <paramref name="metric"/> over series whose labels include <paramref name="label"/>=<paramref name="value"/> (0 when none).</summary>
    public static async Task<double> ReadAsync(Uri workerBase, string metric, string label, string value)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync(new Uri(workerBase, "metrics"));
        double sum = 0;
        foreach (Match line in Series().Matches(text))
        {
            if (line.Groups["name"].Value == metric && line.Groups["labels"].Value.Contains($"{label}=\"{value}\"", StringComparison.Ordinal))
            {
                sum += double.Parse(line.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\{(?<labels>[^}]*)\} (?<value>[0-9.eE+-]+)", RegexOptions.Multiline)]
    private static partial Regex Series();
}
