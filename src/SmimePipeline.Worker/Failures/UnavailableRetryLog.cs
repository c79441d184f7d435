using MassTransit;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// One warning line for each wait of a long retry (<see cref="UnavailableBackoff"/>): the mail, the try, the problem as the
/// exception words it (it names what is unavailable and never carries a PIN, a password or content) and the wait, so that
/// an operator sees mails waiting before any is dead-lettered. Each retry writes its own line (<see cref="Waiting"/>).
/// </summary>
public abstract class UnavailableRetryLog : IRetryObserver
{
    /// <inheritdoc />
    public Task PostCreate<T>(RetryPolicyContext<T> context)
        where T : class, PipeContext => Task.CompletedTask;

    /// <inheritdoc />
    public Task PostFault<T>(RetryContext<T> context)
        where T : class, PipeContext
    {
        ArgumentNullException.ThrowIfNull(context);
        Waiting(FailedMessageId.Of(context.Context as ConsumeContext), context.RetryAttempt + 1, (context.Delay ?? TimeSpan.Zero).TotalSeconds, context.Exception.Message);
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

    /// <summary>Writes the line for wait number <paramref name="attempt"/> of mail <paramref name="mailId"/>.</summary>
    protected abstract void Waiting(Guid mailId, int attempt, double delaySeconds, string problem);
}
