using MassTransit;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// One warning line for each wait of <see cref="KeyUnavailableRetry"/>: the mail, the try, the token's problem as
/// <see cref="Cryptography.Pkcs11.Pkcs11UnavailableException"/> words it (module, token, return code; never a PIN) and the
/// wait, so that an operator sees mails waiting for the HSM before any is dead-lettered.
/// </summary>
public sealed partial class KeyUnavailableRetryLog(ILogger<KeyUnavailableRetryLog> logger) : IRetryObserver
{
    /// <inheritdoc />
    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    /// <inheritdoc />
    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        ArgumentNullException.ThrowIfNull(context);
        Waiting(logger, FailedMessageId.Of(context.Context as ConsumeContext), context.RetryAttempt + 1, (context.Delay ?? TimeSpan.Zero).TotalSeconds, context.Exception.Message);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task PreRetry<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    /// <inheritdoc />
    public Task RetryFault<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    /// <inheritdoc />
    public Task RetryComplete<T>(RetryContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    [LoggerMessage(EventId = 1016, Level = LogLevel.Warning, Message = "Mail {MailId}: the signer's PKCS#11 token is unavailable (try {Try}: {Problem}); trying again in {DelaySeconds:F1} s")]
    private static partial void Waiting(ILogger logger, Guid mailId, int @try, double delaySeconds, string problem);
}
