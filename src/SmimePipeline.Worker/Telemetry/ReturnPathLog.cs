namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// The return path's log lines (webhooks, DKIM, ESP events), source-generated. They name endpoints, reasons,
/// addresses and ids; never tokens, mail bodies or credentials.
/// </summary>
internal static partial class ReturnPathLog
{
    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Harvest request {RequestId} from {Source}: DKIM passed for d={SigningDomain} (s={Selector})")]
    public static partial void HarvestDkimPassed(ILogger logger, Guid requestId, string signingDomain, string selector, string source);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Webhook {Endpoint} refused a request from {Remote}: {Status} {RefusalReason}: {Reason}")]
    public static partial void WebhookRequestRefused(ILogger logger, string endpoint, string? remote, int status, string refusalReason, string reason);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "Webhook {Endpoint} dropped entry {Index} of a batch: {ReasonCode}: {Reason}")]
    public static partial void WebhookEntryDropped(ILogger logger, string endpoint, int index, string reasonCode, string reason);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Information, Message = "Webhook {Endpoint} handed {Accepted} of {Total} entries to the queue (dropped {Dropped})")]
    public static partial void WebhookBatchAccepted(ILogger logger, string endpoint, int accepted, int total, int dropped);

    [LoggerMessage(EventId = 1605, Level = LogLevel.Error, Message = "Webhook {Endpoint} could not hand a batch to the ledger or RabbitMQ; answering 503 so the provider retries: {Reason}")]
    public static partial void WebhookHandOverFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(EventId = 1606, Level = LogLevel.Information, Message = "Webhook {Endpoint} batch {BatchId} was processed before; answered 200 without counting it again")]
    public static partial void WebhookBatchDuplicate(ILogger logger, string endpoint, string batchId);

    [LoggerMessage(EventId = 1607, Level = LogLevel.Information, Message = "ESP event {EventType} (entry {Index}) is not about a mail's fate; counted and ignored")]
    public static partial void EspEventIgnored(ILogger logger, string eventType, int index);

    [LoggerMessage(EventId = 1608, Level = LogLevel.Information, Message = "Mail {MailId} at {Recipient}: {Kind} ({EspEventType}, bounce class {BounceClass})")]
    public static partial void RecipientFateRecorded(ILogger logger, Guid mailId, string recipient, SmimePipeline.Delivery.Ledger.RecipientFateKind kind, string espEventType, int? bounceClass);

    [LoggerMessage(EventId = 1609, Level = LogLevel.Information, Message = "Webhook {Endpoint} received batch {BatchId} with {Count} entries")]
    public static partial void WebhookBatchReceived(ILogger logger, string endpoint, string batchId, int count);

    [LoggerMessage(EventId = 1610, Level = LogLevel.Information, Message = "Harvest request {RequestId}: decrypted the reply addressed to our certificate {Subject} ({Thumbprint})")]
    public static partial void HarvestDecrypted(ILogger logger, Guid requestId, string subject, string thumbprint);

    [LoggerMessage(EventId = 1611, Level = LogLevel.Warning, Message = "Webhook {Endpoint} did not hand a batch over within {HandOverTimeout} (SmimePipeline:Webhooks:HandOverTimeout); answered 503 in time so the provider retries")]
    public static partial void WebhookHandOverTimedOut(ILogger logger, string endpoint, TimeSpan handOverTimeout);

    [LoggerMessage(EventId = 1612, Level = LogLevel.Information, Message = "Webhook {Endpoint}: a hand-over answered 503 at its deadline ({HandOverTimeout}) ended afterwards, {Outcome}; the provider's retry finishes what it did not")]
    public static partial void WebhookHandOverEndedLate(ILogger logger, string endpoint, TimeSpan handOverTimeout, string outcome);
}
