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
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        telemetry.ObserveBackgroundService(ServiceName);
        // PostgreSQL may be briefly unavailable; the next sweep tries again.
        return BackgroundRounds.RunAsync(
            ServiceName, options.Value.SweepInterval, time, roundAtStart: true, SweepOnceAsync,
            e => SweepFailed(logger, $"{e.GetType().Name}: {e.Message}"), telemetry, stoppingToken);
    }

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Producer claim check: deleted {Count} expired claim(s)")]
    private static partial void Swept(ILogger logger, int count);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Producer claim check: the sweep failed ({Problem}); it runs again at the next interval")]
    private static partial void SweepFailed(ILogger logger, string problem);
}
