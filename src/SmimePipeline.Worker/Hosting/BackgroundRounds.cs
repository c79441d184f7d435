using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Hosting;

/// <summary>
/// The loop of every periodic background service of the worker (the claim sweeps, the producer claim table's vacuum, the
/// queue-depth gauge, the signer identities' refresh): a round at each tick of <c>interval</c>; a round that throws is
/// survived as <see cref="BackgroundRoundFailure"/> says (counted in <c>smime.background.failures{service}</c>, reported by
/// the caller's one log line) and the next tick tries again; the host's stop ends the loop. One loop, so that what a round
/// survives is decided once (session 20 had to widen it in each of five copies; folded in session 22).
/// </summary>
public static class BackgroundRounds
{
    /// <summary>Runs <paramref name="round"/> every <paramref name="interval"/> until <paramref name="stoppingToken"/> ends.</summary>
    /// <param name="service">The <c>service</c> tag of the loop's failures.</param>
    /// <param name="interval">The time between rounds.</param>
    /// <param name="time">The clock of the ticks.</param>
    /// <param name="roundAtStart">Whether the first round runs at once rather than after the first interval.</param>
    /// <param name="round">One round.</param>
    /// <param name="failed">Writes the log line of a round that failed (it is counted here).</param>
    /// <param name="telemetry">Where the failure is counted.</param>
    /// <param name="stoppingToken">The service's stopping token.</param>
    /// <returns>Completes when the host stops.</returns>
    public static async Task RunAsync(
        string service,
        TimeSpan interval,
        TimeProvider time,
        bool roundAtStart,
        Func<CancellationToken, Task> round,
        Action<Exception> failed,
        SmimeTelemetry telemetry,
        CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        ArgumentNullException.ThrowIfNull(failed);
        ArgumentNullException.ThrowIfNull(telemetry);
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            if (roundAtStart)
            {
                await RoundAsync(service, round, failed, telemetry, stoppingToken);
            }

            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RoundAsync(service, round, failed, telemetry, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: each round's own work leaves nothing half done (a delete, an unlink, a VACUUM, a read).
        }
    }

    private static async Task RoundAsync(
        string service, Func<CancellationToken, Task> round, Action<Exception> failed, SmimeTelemetry telemetry, CancellationToken stoppingToken)
    {
        try
        {
            await round(stoppingToken);
        }
        catch (Exception e) when (BackgroundRoundFailure.IsSurvived(e, stoppingToken))
        {
            // Any exception, not only the expected ones (session 20): one leaving the loop would stop the host.
            telemetry.RecordBackgroundFailure(service);
            failed(e);
        }
    }
}
