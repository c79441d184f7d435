using MassTransit;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The signer's wait for a PKCS#11 token that went away (HSM fail-over, a network HSM's blink, a restarted module; a
/// <see cref="Pkcs11UnavailableException"/>): the mail is tried again after <see cref="FirstDelay"/>, doubling up to
/// <see cref="LongestDelay"/>, for <see cref="SignerOptions.KeyUnavailableRetryPeriod"/> (default 5 minutes; the last wait is
/// what is left of it, and a remainder shorter than the first wait ends it), the token reconnected on each try. When the
/// period is over the exception leaves the consumer and the endpoint's <c>UnreportedFailureFilter</c> dead-letters the
/// mail as <c>signer-key-unavailable</c> (event, log line naming the token, metric) in <c>smime-protect_error</c>.
/// </summary>
public static class KeyUnavailableRetry
{
    /// <summary>The first wait (<see cref="UnavailableBackoff.FirstDelay"/>).</summary>
    public static readonly TimeSpan FirstDelay = UnavailableBackoff.FirstDelay;

    /// <summary>The longest wait between two tries (<see cref="UnavailableBackoff.LongestDelay"/>).</summary>
    public static readonly TimeSpan LongestDelay = UnavailableBackoff.LongestDelay;

    /// <summary>The waits between tries that fill <paramref name="period"/> (<see cref="UnavailableBackoff.Intervals"/>).</summary>
    public static IReadOnlyList<TimeSpan> Intervals(TimeSpan period) => UnavailableBackoff.Intervals(period);

    /// <summary>Retries <see cref="Pkcs11UnavailableException"/> (and nothing else) over <paramref name="period"/>, each wait logged by <paramref name="log"/>.</summary>
    public static void Configure(IRetryConfigurator retry, TimeSpan period, KeyUnavailableRetryLog log)
        => UnavailableBackoff.Configure<Pkcs11UnavailableException>(retry, period, log);
}
