namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// The worker's log lines, source-generated. They carry mail ids and reasons, never bodies or keys.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Mail {MailId} protected ({SignatureAlgorithm}, {ContentCipher}, {Size} bytes)")]
    public static partial void MailProtected(ILogger logger, Guid mailId, string? signatureAlgorithm, string? contentCipher, int size);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Mail {MailId} dead-lettered at {Stage}: {ReasonCode}: {Reason}")]
    public static partial void MailDeadLettered(ILogger logger, Guid mailId, string stage, string reasonCode, string reason);

    /// <summary>
    /// A mail dead-lettered and reported (line 1002) whose <c>EmailDeliveryFailed</c> the broker did not take: by the work
    /// queues' filter (<c>UnreportedFailureFilter</c>) and for a body MassTransit could not read
    /// (<c>UnreadableMessageObserver</c>, session 22).
    /// </summary>
    [LoggerMessage(EventId = 1018, Level = LogLevel.Error, Message = "Mail {MailId} dead-lettered at {Stage} as {ReasonCode} (reported above), but its EmailDeliveryFailed event could not be published ({ExceptionType})")]
    public static partial void FailureEventNotPublished(ILogger logger, Guid mailId, string stage, string reasonCode, string exceptionType);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Mail {MailId} delivered by {Provider} as {ProviderMessageId}")]
    public static partial void MailDelivered(ILogger logger, Guid mailId, string provider, string? providerMessageId);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Mail {MailId} delivery attempt failed ({Kind}) at {Provider}: {ProviderResponse}")]
    public static partial void DeliveryAttemptFailed(ILogger logger, Guid mailId, string kind, string provider, string? providerResponse);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Certificate of {Address} refused: {ReasonCode}: {Reason}")]
    public static partial void CertificateRefused(ILogger logger, string? address, string reasonCode, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Certificate of {Address} used with a warning: {ReasonCode}: {Reason}")]
    public static partial void CertificateWarning(ILogger logger, string address, string reasonCode, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Signer identities reloaded from {Path}: {Count} identities")]
    public static partial void SignerIdentitiesReloaded(ILogger logger, string path, int count);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Signer identity not loaded: {Problem}")]
    public static partial void SignerIdentityProblem(ILogger logger, string problem);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Harvested {Count} certificate(s) for {Address} (request {RequestId})")]
    public static partial void CertificateHarvested(ILogger logger, Guid requestId, string address, int count);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Harvest request {RequestId} refused: {ReasonCode}: {Reason}")]
    public static partial void HarvestRefused(ILogger logger, Guid requestId, string reasonCode, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error, Message = "Signer identities in {Path} could not be read again ({ExceptionType}: {Reason}); the {Count} identities loaded before stay in use, next try in {Interval}")]
    public static partial void SignerIdentitiesRefreshFailed(ILogger logger, string path, int count, string exceptionType, string reason, TimeSpan interval);
}
