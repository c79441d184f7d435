namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The waits of the worker's long retries for something that went away and comes back on its own (a PKCS#11 token,
/// <see cref="Signing.KeyUnavailableRetry"/>; the producer claim store, <see cref="ClaimCheck.ProducerClaimStoreRetry"/>):
/// <see cref="FirstDelay"/>, doubling up to <see cref="LongestDelay"/>, for a period; the last wait is what is left of the
/// period, and a remainder shorter than <see cref="FirstDelay"/> ends it.
/// </summary>
public static class UnavailableBackoff
{
    /// <summary>The first wait.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two tries.</summary>
    public static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(30);

    /// <summary>The wait planned after <paramref name="delay"/>: twice as long, at most <see cref="LongestDelay"/>.</summary>
    public static TimeSpan Next(TimeSpan delay) => delay + delay < LongestDelay ? delay + delay : LongestDelay;

    /// <summary>
    /// The wait before the next try when <paramref name="delay"/> is planned and <paramref name="left"/> of the period
    /// remains: the shorter of the two; null when less than <see cref="FirstDelay"/> is left (the period is over).
    /// </summary>
    public static TimeSpan? Wait(TimeSpan delay, TimeSpan left) => left < FirstDelay ? null : delay < left ? delay : left;

    /// <summary>The waits between tries that fill <paramref name="period"/>.</summary>
    public static IReadOnlyList<TimeSpan> Intervals(TimeSpan period)
    {
        var intervals = new List<TimeSpan>();
        var left = period;
        for (var delay = FirstDelay; Wait(delay, left) is { } wait; delay = Next(delay))
        {
            intervals.Add(wait);
            left -= wait;
        }

        return intervals;
    }
}
