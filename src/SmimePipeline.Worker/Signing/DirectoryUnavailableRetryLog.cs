using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// One warning line for each wait of <see cref="DirectoryUnavailableRetry"/>: the mail (or harvest request), the try, the
/// directory's problem as <see cref="CertificateDirectory.DirectoryUnavailableException"/> words it (PostgreSQL's host,
/// port and database or the SQLite file, SQLSTATE; never a password) and the wait.
/// </summary>
public sealed partial class DirectoryUnavailableRetryLog(ILogger<DirectoryUnavailableRetryLog> logger) : UnavailableRetryLog
{
    /// <inheritdoc />
    protected override void Waiting(Guid mailId, int attempt, double delaySeconds, string problem) => Waiting(logger, mailId, attempt, delaySeconds, problem);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "Mail {MailId}: the recipient directory is unavailable (try {Try}: {Problem}); trying again in {DelaySeconds:F1} s")]
    private static partial void Waiting(ILogger logger, Guid mailId, int @try, double delaySeconds, string problem);
}
