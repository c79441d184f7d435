using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Vacuums the producer claim table every <see cref="ProducerClaimOptions.VacuumInterval"/> when this signer released
/// claims' content since the last time (<see cref="IProtectClaimStore.ReclaimReleasedSpaceAsync"/>), so that PostgreSQL
/// reuses the released space for the next claims instead of growing the table by every large mail (issue 17, session 16).
/// Acts only with the PostgreSQL store and a role that may vacuum (the table's owner: the signers create it); otherwise
/// autovacuum does it, later, as before. A failed vacuum is logged and tried again at the next interval: it removes only
/// dead row versions, so nothing waits on it.
/// </summary>
public sealed partial class ProducerClaimVacuum(
    IProtectClaimStore store,
    IOptions<ProducerClaimOptions> options,
    TimeProvider time,
    SmimeTelemetry telemetry,
    ILogger<ProducerClaimVacuum> logger) : BackgroundService
{
    /// <summary>The <c>service</c> tag of this loop's failures (<c>smime.background.failures</c>).</summary>
    public const string ServiceName = "producer-claim-vacuum";

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.VacuumInterval;
        if (interval <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        telemetry.ObserveBackgroundService(ServiceName);
        return BackgroundRounds.RunAsync(
            ServiceName, interval, time, roundAtStart: false, store.ReclaimReleasedSpaceAsync,
            e => VacuumFailed(logger, $"{e.GetType().Name}: {e.Message}"), telemetry, stoppingToken);
    }

    [LoggerMessage(EventId = 3019, Level = LogLevel.Warning, Message = "Producer claim check: vacuuming the claim table failed ({Problem}); it runs again at the next interval")]
    private static partial void VacuumFailed(ILogger logger, string problem);
}
