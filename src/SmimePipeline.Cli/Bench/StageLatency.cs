namespace SmimePipeline.Cli.Bench;

/// <summary>How long mails spent in one stage of the pipeline, in milliseconds, over the mails for which both ends were seen.</summary>
/// <param name="Mails">Mails with both ends of the stage recorded.</param>
/// <param name="P50Milliseconds">Median.</param>
/// <param name="P99Milliseconds">99th percentile.</param>
/// <param name="MeanMilliseconds">Mean.</param>
/// <param name="MaxMilliseconds">Longest.</param>
internal sealed record StageLatency(int Mails, double P50Milliseconds, double P99Milliseconds, double MeanMilliseconds, double MaxMilliseconds)
{
    /// <summary>The figures of <paramref name="milliseconds"/> (sorted in place), rounded to 0.01 ms.</summary>
    public static StageLatency Of(List<double> milliseconds)
    {
        ArgumentNullException.ThrowIfNull(milliseconds);
        milliseconds.Sort();
        return new StageLatency(
            milliseconds.Count,
            Math.Round(Percentile(milliseconds, 0.50), 2),
            Math.Round(Percentile(milliseconds, 0.99), 2),
            Math.Round(milliseconds.Count == 0 ? 0 : milliseconds.Average(), 2),
            Math.Round(milliseconds.Count == 0 ? 0 : milliseconds[^1], 2));
    }

    /// <summary>The value below which <paramref name="fraction"/> of <paramref name="sorted"/> lie (nearest rank); 0 when empty.</summary>
    public static double Percentile(List<double> sorted, double fraction)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
