using MassTransit;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// The signer's wait for a recipient directory that went away (PostgreSQL down, restarting, failing over or out of
/// connection slots; a transient <see cref="DirectoryUnavailableException"/>): the mail is tried again after 0.5 s,
/// doubling up to 30 s (<see cref="UnavailableBackoff"/>), for <see cref="SignerOptions.DirectoryUnavailableRetryPeriod"/>
/// (default 5 minutes), one warning per wait naming the directory (<see cref="DirectoryUnavailableRetryLog"/>). When the
/// period is over the exception leaves the consumer and the endpoint's <see cref="UnreportedFailureFilter"/> dead-letters
/// the mail as <c>directory-unavailable</c> (event, log line, metric) in <c>smime-protect_error</c>. A failure that is not
/// transient (a missing table, a refused password) is not waited for: it gets the short retries and the same reason.
/// </summary>
public static class DirectoryUnavailableRetry
{
    /// <summary>Retries transient <see cref="DirectoryUnavailableException"/>s (and nothing else) over <paramref name="period"/>, each wait logged by <paramref name="log"/>.</summary>
    public static void Configure(IRetryConfigurator retry, TimeSpan period, DirectoryUnavailableRetryLog log)
        => UnavailableBackoff.Configure<DirectoryUnavailableException>(retry, period, log, e => e.IsTransient);
}
