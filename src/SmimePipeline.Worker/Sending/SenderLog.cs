namespace SmimePipeline.Worker.Sending;

/// <summary>The sender role's log lines, source-generated. Mail ids and ESP answers, never bodies or keys.</summary>
internal static partial class SenderLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Mail {MailId} was already accepted by {Provider} as {ProviderMessageId}; acknowledged without sending again")]
    public static partial void AlreadyAccepted(ILogger logger, Guid mailId, string provider, string? providerMessageId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Mail {MailId}: attempt {Attempts} at {Provider} ended without a readable answer (timeout or lost connection); the ESP may have it already, sending again")]
    public static partial void ResendingAfterUnknownOutcome(ILogger logger, Guid mailId, string provider, int attempts);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Mail {MailId} was being handed to {Provider} when its sender stopped ({Attempts} attempt(s)); the ESP may have it already, sending again")]
    public static partial void ResendingAfterSenderStopped(ILogger logger, Guid mailId, string provider, int attempts);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Debug, Message = "Mail {MailId}: {Provider} refused attempt {Attempts}; trying again")]
    public static partial void RetryingAfterRefusal(ILogger logger, Guid mailId, string provider, int attempts);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Information, Message = "Mail {MailId} is being handed to {Provider} by another delivery of the same mail (a redelivery after a broker interruption); waiting for its outcome instead of sending it twice")]
    public static partial void WaitingForOtherHandOver(ILogger logger, Guid mailId, string provider);

    [LoggerMessage(EventId = 2116, Level = LogLevel.Warning, Message = "Mail {MailId}: the hand-over to {Provider} was cancelled because the worker's shutdown grace period ended; its outcome is unknown and the mail stays on the queue")]
    public static partial void HandOverCancelledByShutdown(ILogger logger, Guid mailId, string provider);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Mail {MailId} failed attempt {Attempt}; retry in {Delay} through smime-deliver-retry-{Attempt}")]
    public static partial void RetryScheduled(ILogger logger, Guid mailId, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Mail {MailId} held back without counting an attempt: the {Provider} circuit breaker is open")]
    public static partial void HeldWhileBreakerOpen(ILogger logger, Guid mailId, string provider);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Error, Message = "ESP {Provider} failing for everyone ({Reason}): consumption of smime-deliver paused for {Pause}")]
    public static partial void BreakerOpened(ILogger logger, string provider, string reason, TimeSpan pause);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Information, Message = "ESP {Provider}: resuming consumption to probe whether it is back")]
    public static partial void BreakerProbing(ILogger logger, string provider);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Information, Message = "ESP {Provider} is back: circuit breaker closed")]
    public static partial void BreakerClosed(ILogger logger, string provider);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Critical, Message = "Sender configuration error at {Provider}: {Reason} ({ProviderResponse}). Consumption paused, mail kept; fix the credentials or TLS settings")]
    public static partial void ConfigurationError(ILogger logger, string provider, string reason, string? providerResponse);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Error, Message = "The circuit breaker's {Operation} of smime-deliver failed at try {Tries}; trying again in {Delay} for as long as the breaker wants it")]
    public static partial void EndpointControlFailed(ILogger logger, Exception exception, string operation, int tries, TimeSpan delay);

    [LoggerMessage(EventId = 2131, Level = LogLevel.Warning, Message = "The circuit breaker's {Operation} of smime-deliver succeeded at try {Tries}")]
    public static partial void EndpointControlRecovered(ILogger logger, string operation, int tries);

    [LoggerMessage(EventId = 2132, Level = LogLevel.Warning, Message = "MassTransit still held the start of smime-deliver from a stop that did not finish; finishing that stop before starting again")]
    public static partial void EndpointHandleLeftBehind(ILogger logger);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Error, Message = "Mail {MailId}: the in-process retry could not re-send it")]
    public static partial void InProcessRetryFailed(ILogger logger, Exception exception, Guid mailId);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "Declared the retry ladder ({Steps} step(s): {Schedule}) and {DeadLetterQueue}")]
    public static partial void LadderDeclared(ILogger logger, int steps, string schedule, string deadLetterQueue);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "Mail {MailId} accepted for some recipients only; refused {Recipient}: {ProviderResponse}")]
    public static partial void PartiallyAccepted(ILogger logger, Guid mailId, string recipient, string providerResponse);

    [LoggerMessage(EventId = 2117, Level = LogLevel.Warning, Message = "The claim of mail {MailId} was not released after its delivery attempt ({ExceptionType}); the claim sweeper deletes it after ClaimCheck:Retention")]
    public static partial void ClaimNotReleased(ILogger logger, Guid mailId, string exceptionType);

    [LoggerMessage(EventId = 2118, Level = LogLevel.Warning, Message = "Mail {MailId}: the first delivery attempt in the signer's process failed ({ExceptionType}); the mail goes to smime-deliver instead")]
    public static partial void InProcessAttemptHandedToQueue(ILogger logger, Guid mailId, string exceptionType);

    [LoggerMessage(EventId = 2119, Level = LogLevel.Error, Message = "Mail {MailId} dead-lettered at deliver as {ReasonCode} in the signer's process (reported above), but its EmailDeliveryFailed event could not be published ({ExceptionType}); the mail stays in smime-deliver-dead and is not handed to smime-deliver")]
    public static partial void InProcessDeadLetterEventNotPublished(ILogger logger, Guid mailId, string reasonCode, string exceptionType);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Warning, Message = "Mail {MailId} was accepted by {Provider}, but the ledger did not take the record ({ExceptionType}); trying again for up to {Budget}")]
    public static partial void AcceptedRecordRetrying(ILogger logger, Guid mailId, string provider, string exceptionType, TimeSpan budget);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Warning, Message = "Mail {MailId}: the ledger recorded its acceptance by {Provider} at try {Tries}, {Elapsed} after the ESP's answer")]
    public static partial void AcceptedRecordedAfterRetry(ILogger logger, Guid mailId, string provider, int tries, TimeSpan elapsed);

    [LoggerMessage(EventId = 2122, Level = LogLevel.Error, Message = "Mail {MailId} was accepted by {Provider} as {ProviderMessageId}, but the ledger did not take the record in {Tries} tries within {Budget} ({ExceptionType}); the mail counts as delivered and is acknowledged, its ledger entry stays 'handing': another copy of it reaching a sender after the hand-over limit would be sent again")]
    public static partial void AcceptedNotRecorded(ILogger logger, Guid mailId, string provider, string? providerMessageId, int tries, TimeSpan budget, string exceptionType);
}
