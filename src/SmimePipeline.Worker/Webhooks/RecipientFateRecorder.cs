using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// What every source of recipient fates (SparkPost's event webhook, SMTP delivery status notifications) does with one
/// fate: records it in the fate ledger (counted by event type and bounce class, and logged, only the first time), then
/// publishes it unless the ledger says it was published before, so a batch or report posted again is neither counted
/// nor published twice, and one that failed half-way is published on the provider's retry.
/// </summary>
public sealed class RecipientFateRecorder(
    IRecipientFateLedger ledger,
    RecipientFatePublisher publisher,
    ReturnPathTelemetry telemetry,
    ILogger<RecipientFateRecorder> logger)
{
    /// <summary>Records and publishes <paramref name="fate"/> once; ledger and broker failures are thrown to the caller (503).</summary>
    public async Task RecordAndPublishAsync(RecipientFate fate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fate);
        if (await ledger.RecordAsync(fate, cancellationToken))
        {
            telemetry.RecordEspEvent(fate.EspEventType);
            if (fate.Kind == RecipientFateKind.Bounced)
            {
                telemetry.RecordBounce(fate.BounceClass, fate.Hard ?? false);
            }

            ReturnPathLog.RecipientFateRecorded(logger, fate.MailId, fate.Recipient, fate.Kind, fate.EspEventType, fate.BounceClass);
        }

        if (!await ledger.IsPublishedAsync(fate.EventId, cancellationToken))
        {
            await publisher.PublishAsync(fate, cancellationToken);
            await ledger.MarkPublishedAsync(fate.EventId, cancellationToken);
        }
    }
}
