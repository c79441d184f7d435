using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Deletes claims older than <see cref="ClaimCheckOptions.Retention"/> every <see cref="ClaimCheckOptions.SweepInterval"/>:
/// claims of mail that was delivered are deleted at once, but a claim whose mail was dead-lettered by the ESP stays so
/// that <c>smime dlq requeue</c> can still deliver it, and a crash may leave one behind. The retention is validated to
/// be longer than the whole retry ladder, so a claim of mail still waiting for a retry is never swept.
/// </summary>
public sealed partial class ClaimSweeper(
    IClaimStore store,
    IOptions<SmimePipelineOptions> options,
    TimeProvider time,
    SmimeTelemetry telemetry,
    ILogger<ClaimSweeper> logger) : BackgroundService
{
    /// <summary>The <c>service</c> tag of this loop's failures (<c>smime.background.failures</c>).</summary>
    public const string ServiceName = "claim-sweep";

    /// <summary>One sweep: deletes what is older than the retention; returns how many claims it deleted.</summary>
    public int SweepOnce()
    {
        var cutoff = time.GetUtcNow() - options.Value.ClaimCheck.Retention;
        var deleted = store.DeleteOlderThan(cutoff);
        if (deleted > 0)
        {
            Swept(logger, deleted, options.Value.ClaimCheck.Retention);
        }

        return deleted;
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        telemetry.ObserveBackgroundService(ServiceName);
        // The volume may be briefly unavailable; the next sweep tries again.
        return BackgroundRounds.RunAsync(
            ServiceName, options.Value.ClaimCheck.SweepInterval, time, roundAtStart: true,
            _ =>
            {
                SweepOnce();
                return Task.CompletedTask;
            },
            e => SweepFailed(logger, e), telemetry, stoppingToken);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Claim check: deleted {Count} claim(s) older than {Retention}")]
    private static partial void Swept(ILogger logger, int count, TimeSpan retention);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Claim check: the sweep failed; it runs again at the next interval")]
    private static partial void SweepFailed(ILogger logger, Exception exception);
}
