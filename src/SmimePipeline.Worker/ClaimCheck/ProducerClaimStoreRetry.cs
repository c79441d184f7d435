using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// The signer's wait for a producer claim store that refuses connections or cannot be reached (a
/// <see cref="ProtectClaimStoreException"/> with <see cref="ProtectClaimStoreException.IsTransient"/>: <c>53300</c>,
/// <c>57P03</c>, a refused socket, a timeout): the read is tried again after <see cref="FirstDelay"/>, doubling up to
/// <see cref="LongestDelay"/>, for <see cref="ProducerClaimOptions.UnavailableRetryPeriod"/> (default 5 minutes; the last
/// wait is what is left of it, and a remainder shorter than <see cref="FirstDelay"/> ends the period), so that
/// a PostgreSQL restart, fail-over or a moment without free connection slots delays mail instead of dead-lettering it.
/// Each wait is one warning log line and one count of <c>smime.producer_claims.store_retries</c> (by SQLSTATE, or
/// <c>none</c> when the server did not answer). Failures that need an operator (a missing table or grant) are not
/// waited for. The wait ends at once when the host stops (the message goes back to the queue).
/// </summary>
public sealed partial class ProducerClaimStoreRetry
{
    /// <summary>The first wait.</summary>
    public static readonly TimeSpan FirstDelay = UnavailableBackoff.FirstDelay;

    /// <summary>The longest wait between two tries.</summary>
    public static readonly TimeSpan LongestDelay = UnavailableBackoff.LongestDelay;

    private readonly IOptions<ProducerClaimOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ProducerClaimStoreRetry> _logger;
    private readonly Counter<long> _retries;

    /// <summary>Creates the retry; its counter lives on the pipeline's meter (<see cref="SmimeTelemetry.Name"/>).</summary>
    public ProducerClaimStoreRetry(IOptions<ProducerClaimOptions> options, IMeterFactory meters, TimeProvider time, ILogger<ProducerClaimStoreRetry> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _retries = meters.Create(SmimeTelemetry.Name).CreateCounter<long>(
            "smime.producer_claims.store_retries", "{try}", "Claim reads tried again because PostgreSQL refused a connection, went away or timed out, by SQLSTATE.");
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (a claim read for mail <paramref name="mailId"/>) until it succeeds, fails for a
    /// reason that is not transient, or <see cref="ProducerClaimOptions.UnavailableRetryPeriod"/> has passed.
    /// </summary>
    /// <exception cref="ProtectClaimStoreException">
    /// Not transient (thrown as it came), or still transient after the period: then the message names the cause, the
    /// number of tries and how long they took.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the host is stopping).</exception>
    public async Task<T> RunAsync<T>(Guid mailId, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var period = _options.Value.UnavailableRetryPeriod;
        var started = _time.GetTimestamp();
        var delay = FirstDelay;
        for (int tries = 1; ; tries++)
        {
            try
            {
                var result = await operation(cancellationToken);
                if (tries > 1)
                {
                    var took = _time.GetElapsedTime(started);
                    Recovered(_logger, mailId, tries, took.TotalSeconds);
                }

                return result;
            }
            catch (ProtectClaimStoreException e) when (e.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                var waited = _time.GetElapsedTime(started);
                // What is left of the period is shorter than the first wait: the period is over. A timer that fires a hair
                // before the stopwatch reaches the period would otherwise buy one more try after a sliver of a wait.
                if (UnavailableBackoff.Wait(delay, period - waited) is not { } wait)
                {
                    throw new ProtectClaimStoreException(
                        $"{e.Message}; still failing after {tries} tries over {waited.TotalSeconds:F0} s ({ProducerClaimOptions.SectionName}:UnavailableRetryPeriod {period})",
                        e,
                        e.SqlState,
                        isTransient: true);
                }

                _retries.Add(1, new KeyValuePair<string, object?>("sqlstate", e.SqlState ?? "none"));
                Waiting(_logger, mailId, tries, wait.TotalSeconds, e.Message);
                await Task.Delay(wait, _time, cancellationToken);
                delay = UnavailableBackoff.Next(delay);
            }
        }
    }

    [LoggerMessage(EventId = 3014, Level = LogLevel.Warning, Message = "Producer claim of mail {MailId}: the claim store is unavailable (try {Tries}; {Problem}); trying again in {DelaySeconds:F1} s")]
    private static partial void Waiting(ILogger logger, Guid mailId, int tries, double delaySeconds, string problem);

    [LoggerMessage(EventId = 3015, Level = LogLevel.Information, Message = "Producer claim of mail {MailId}: the claim store answered after {Tries} tries over {Seconds:F1} s")]
    private static partial void Recovered(ILogger logger, Guid mailId, int tries, double seconds);
}
