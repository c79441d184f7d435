using MassTransit;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The waits of the worker's long retries for something that went away and comes back on its own (a PKCS#11 token,
/// <see cref="Signing.KeyUnavailableRetry"/>; the recipient directory, <see cref="Signing.DirectoryUnavailableRetry"/>; the
/// producer claim store, <see cref="ClaimCheck.ProducerClaimStoreRetry"/>):
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

    /// <summary>
    /// Whether <paramref name="exception"/> is an outage one of the consumers' long retries waits for (an unavailable PKCS#11
    /// token, a transient failure of the recipient directory): the short retries (<see cref="UnexpectedFailureRetry"/>) and
    /// the handlers' last-attempt reports leave it to them, and the endpoint's <see cref="UnreportedFailureFilter"/>
    /// reports it when the wait is over.
    /// </summary>
    public static bool IsWaitedFor(Exception exception) => exception is Pkcs11UnavailableException or DirectoryUnavailableException { IsTransient: true };

    /// <summary>
    /// Configures <paramref name="retry"/> to try again, over <paramref name="period"/> (<see cref="Intervals"/>), the
    /// exceptions of type <typeparamref name="TException"/> that <paramref name="filter"/> accepts (all when null), and
    /// nothing else; each wait is told to <paramref name="log"/>.
    /// </summary>
    public static void Configure<TException>(IRetryConfigurator retry, TimeSpan period, IRetryObserver log, Func<TException, bool>? filter = null)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(retry);
        retry.Handle(filter ?? (_ => true));
        retry.Intervals([.. Intervals(period)]);
        retry.ConnectRetryObserver(log);
    }
}
