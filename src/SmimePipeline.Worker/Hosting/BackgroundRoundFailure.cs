namespace SmimePipeline.Worker.Hosting;

/// <summary>
/// Which exceptions a background service's round survives. An exception that leaves <c>ExecuteAsync</c> stops the whole
/// host (<c>BackgroundServiceExceptionBehavior.StopHost</c>), so a loop that polls or sweeps catches every exception of a
/// round, says so (one log line naming what it worked on and the exception's type, and
/// <c>smime.background.failures{service}</c>) and tries again at its next round: a gauge, a sweep or a refresh must never
/// stop a signer or a sender (sessions 19 and 20). Not caught: running out of memory, and the host's own stop.
/// </summary>
public static class BackgroundRoundFailure
{
    /// <summary>Whether the round's <paramref name="exception"/> is reported and the loop goes on.</summary>
    /// <param name="exception">What the round threw.</param>
    /// <param name="stoppingToken">The service's stopping token: once the host stops, the loop ends instead.</param>
    /// <returns><see langword="true"/> unless it is <see cref="OutOfMemoryException"/> or the host is stopping.</returns>
    public static bool IsSurvived(Exception exception, CancellationToken stoppingToken) =>
        exception is not OutOfMemoryException && !stoppingToken.IsCancellationRequested;
}
