using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Pauses and resumes consumption of <c>smime-deliver</c> for the circuit breaker. It learns the
/// receive endpoint when MassTransit reports it ready, and stops/starts it the way MassTransit's own
/// kill switch does. Operations run one after another on a background chain, never on the consumer's
/// own call (stopping waits for in-flight consumers, which would wait for themselves).
/// </summary>
public sealed class DeliverEndpointControl(ILogger<DeliverEndpointControl> logger) : IReceiveEndpointObserver
{
    private readonly Lock _gate = new();
    private IReceiveEndpoint? _endpoint;
    private Task _tail = Task.CompletedTask;

    public Task Ready(ReceiveEndpointReady ready)
    {
        if (ready.InputAddress.AbsolutePath.TrimEnd('/').EndsWith("/" + QueueNames.Deliver, StringComparison.Ordinal))
        {
            _endpoint = ready.ReceiveEndpoint;
        }

        return Task.CompletedTask;
    }

    public void Pause() => Enqueue(endpoint => endpoint.Stop());

    public void Resume() => Enqueue(endpoint =>
    {
        endpoint.Start();
        return Task.CompletedTask;
    });

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    private void Enqueue(Func<IReceiveEndpoint, Task> operation)
    {
        lock (_gate)
        {
            _tail = RunAfterAsync(_tail, operation);
        }
    }

    private async Task RunAfterAsync(Task previous, Func<IReceiveEndpoint, Task> operation)
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ForceYielding);
        if (_endpoint is not { } endpoint)
        {
            return;
        }

        try
        {
            await operation(endpoint);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            SenderLog.EndpointControlFailed(logger, e);
        }
    }
}
