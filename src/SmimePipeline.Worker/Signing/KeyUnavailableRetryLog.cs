using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// One warning line for each wait of <see cref="KeyUnavailableRetry"/>: the mail, the try, the token's problem as
/// <see cref="Cryptography.Pkcs11.Pkcs11UnavailableException"/> words it (module, token, return code; never a PIN) and the
/// wait, so that an operator sees mails waiting for the HSM before any is dead-lettered.
/// </summary>
public sealed partial class KeyUnavailableRetryLog(ILogger<KeyUnavailableRetryLog> logger) : UnavailableRetryLog
{
    /// <inheritdoc />
    protected override void Waiting(Guid mailId, int attempt, double delaySeconds, string problem) => Waiting(logger, mailId, attempt, delaySeconds, problem);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Mail {MailId}: the signer's PKCS#11 token is unavailable (try {Try}: {Problem}); trying again in {DelaySeconds:F1} s")]
    private static partial void Waiting(ILogger logger, Guid mailId, int @try, double delaySeconds, string problem);
}
