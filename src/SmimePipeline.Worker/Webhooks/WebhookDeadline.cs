using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// When one webhook request must be answered: <see cref="WebhooksOptions.HandOverTimeout"/> after its handler started
/// (reading the body included, as the provider's clock includes it). SparkPost counts a batch not answered within 10 s
/// as failed, sends it again later and never reads a later answer; so at the deadline the request is answered 503,
/// whatever the ledger or the broker is doing, and the provider's retry is the one that counts (session 23).
/// </summary>
/// <remarks>
/// The hand-over runs on the thread pool with a token cancelled at the deadline, and the request waits for it only until
/// then: Microsoft.Data.Sqlite waits for a locked database synchronously (sleeping up to its 30 s command timeout) and
/// ignores cancellation, so a request that awaited the ledger on its own thread was answered when SQLite gave up, not at
/// the deadline. A hand-over still running at the deadline is left to end on its own: each of its steps is idempotent (a
/// fate is recorded once by its event id, a harvest keeps its request id), and the provider's retry finishes what it did
/// not. How it ended is logged (1612), never dropped.
/// </remarks>
internal sealed class WebhookDeadline
{
    private readonly TimeProvider _time;
    private readonly long _started;

    /// <summary>Starts the clock of one request: <paramref name="limit"/> from now.</summary>
    public WebhookDeadline(TimeSpan limit, TimeProvider time)
    {
        Limit = limit;
        _time = time;
        _started = time.GetTimestamp();
    }

    /// <summary>The time the request has in all (<see cref="WebhooksOptions.HandOverTimeout"/>).</summary>
    public TimeSpan Limit { get; }

    /// <summary>
    /// Runs <paramref name="handOver"/> with a token cancelled at the deadline and returns its result, or throws
    /// <see cref="WebhookDeadlineException"/> at the deadline (also when none of the time is left to start it). Any other
    /// failure of the hand-over before the deadline is thrown as it is.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> handOver, ILogger logger, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(handOver);
        var left = Limit - _time.GetElapsedTime(_started);
        if (left <= TimeSpan.Zero)
        {
            throw new WebhookDeadlineException(Limit);
        }

        var cancel = new CancellationTokenSource(left, _time);
        // Taken before the source can be disposed: it is the hand-over's until it ends, however long after the answer.
        var token = cancel.Token;
        var running = Task.Run(() => handOver(token), CancellationToken.None);
        _ = running.ContinueWith(_ => cancel.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            return await running.WaitAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            if (!running.IsCompleted)
            {
                _ = running.ContinueWith(
                    ended =>
                    {
                        var outcome = Outcome(ended);
                        ReturnPathLog.WebhookHandOverEndedLate(logger, endpoint, Limit, outcome);
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            throw new WebhookDeadlineException(Limit);
        }
    }

    /// <summary>As <see cref="RunAsync{T}"/>, for a hand-over with no result.</summary>
    public Task RunAsync(Func<CancellationToken, Task> handOver, ILogger logger, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(handOver);
        return RunAsync(
            async token =>
            {
                await handOver(token);
                return true;
            },
            logger,
            endpoint);
    }

    private static string Outcome(Task ended) => ended.Status switch
    {
        TaskStatus.RanToCompletion => "completed",
        TaskStatus.Canceled => "cancelled",
        _ => ended.Exception!.GetBaseException() is var failure && failure is OperationCanceledException
            ? "cancelled"
            : "failed: " + failure.GetType().Name + ": " + failure.Message,
    };
}
