using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Deletes producer claims every <see cref="ProducerClaimOptions.SweepInterval"/>: those consumed longer than
/// <see cref="ProducerClaimOptions.ConsumedGracePeriod"/> ago (their mail was protected and handed on), and any older
/// than <see cref="ProducerClaimOptions.Retention"/> (a dead-lettered mail's, kept for <c>smime dlq requeue</c>, or one
/// whose reference never reached the broker). Runs on every signer; the deletes are idempotent.
/// </summary>
public sealed partial class ProducerClaimSweeper(
    IProtectClaimStore store,
    IOptions<ProducerClaimOptions> options,
    TimeProvider time,
    SmimeTelemetry telemetry,
    ILogger<ProducerClaimSweeper> logger) : BackgroundService
{
    /// <summary>The <c>service</c> tag of this loop's failures (<c>smime.background.failures</c>).</summary>
    public const string ServiceName = "producer-claim-sweep";

    /// <summary>One sweep; returns how many claims it deleted.</summary>
    /// <exception cref="ProtectClaimStoreException">The store could not be reached.</exception>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        var deleted = await store.DeleteExpiredAsync(now - o.ConsumedGracePeriod, now - o.Retention, cancellationToken);
        if (deleted > 0)
        {
            Swept(logger, deleted);
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        telemetry.ObserveBackgroundService(ServiceName);
        using var timer = new PeriodicTimer(options.Value.SweepInterval, time);
        try
        {
            do
            {
                try
                {
                    await SweepOnceAsync(stoppingToken);
                }
                catch (Exception e) when (BackgroundRoundFailure.IsSurvived(e, stoppingToken))
                {
                    // PostgreSQL may be briefly unavailable; the next sweep tries again. Any exception, not only the store's
                    // (session 20): one leaving this loop would stop the host.
                    telemetry.RecordBackgroundFailure(ServiceName);
                    SweepFailed(logger, $"{e.GetType().Name}: {e.Message}");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: a delete is one statement, nothing is left half done.
            return;
        }
    }

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Producer claim check: deleted {Count} expired claim(s)")]
    private static partial void Swept(ILogger logger, int count);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Producer claim check: the sweep failed ({Problem}); it runs again at the next interval")]
    private static partial void SweepFailed(ILogger logger, string problem);
}
