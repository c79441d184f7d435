using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Pauses and resumes consumption of <c>smime-deliver</c> for the circuit breaker, and brings the receive endpoint to the
/// state the breaker asked for last, whatever the timing: stopped after <see cref="Pause"/>, consuming after
/// <see cref="Resume"/>. Calls only record the wish; one reconciliation at a time runs in the background, never on the
/// consumer's own call (stopping waits for in-flight consumers, which would wait for themselves), and repeats until the
/// endpoint is where the last wish says:
/// <list type="bullet">
/// <item>a start counts only once MassTransit reports the endpoint ready (its <c>Ready</c> event), as its own kill switch
/// awaits the start handle's <c>Ready</c>, and nothing else is done to the endpoint meanwhile: a pause wished during a start
/// stops it once it is ready. A start not ready within <see cref="ReadyTimeout"/> is stopped (and started again while the
/// wish is to consume);</item>
/// <item>a stop runs to its end before anything else (it waits for in-flight deliveries), bounded by two hand-over limits
/// (<see cref="HandOverDeadline.Limit"/>: a delivery may wait for another copy's hand-over, then make its own); a stop
/// abandoned there leaves MassTransit's handle behind, and the next stop releases it at once;</item>
/// <item>MassTransit refusing a start because it still holds the handle of an earlier stop that threw or was cancelled
/// ("already started") is a state to reconcile: that stop is finished (which releases the handle) and the start made again;</item>
/// <item>any other failure is logged (2109, with the operation and the try), counted (<c>smime.sender.endpoint_control_failures</c>)
/// and tried again after a short back-off, for as long as the wish stands.</item>
/// </list>
/// While the wish is to consume, a <c>smime-deliver</c> that does not consume is not "paused on purpose":
/// <see cref="Hosting.WorkQueueConsumers"/> counts it against readiness at once and against liveness after
/// <c>Health:RecoveryTimeout</c>, from the moment of the wish (<see cref="ConsumeWishedSince"/>).
/// Nothing is started or stopped once the host is stopping: the bus stops its endpoints itself.
/// </summary>
public sealed class DeliverEndpointControl : IReceiveEndpointObserver, IDisposable
{
    /// <summary>How long a started endpoint may take to report itself ready before it is stopped and started again.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan[] BackOff = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    private readonly Lock _gate = new();
    private readonly ILogger<DeliverEndpointControl> _logger;
    private readonly SmimeTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenRegistration _stopping;
    private readonly TimeSpan _stopTimeout;
    private IReceiveEndpoint? _endpoint;
    private bool _pauseWished;
    private DateTimeOffset _wishedAt;
    // Whether MassTransit holds a start handle for the endpoint: the bus started it, or we did and no stop released it.
    private StartHandle _handle = StartHandle.Held;
    // Completed while the endpoint consumes: from its Ready event to the next Stopping, Completed or Faulted.
    private TaskCompletionSource _consuming = NewSignal();
    // Completed (and replaced) whenever the wish changes, to wake a reconciliation that waits.
    private TaskCompletionSource _wishChanged = NewSignal();
    private bool _reconciling;

    public DeliverEndpointControl(
        ILogger<DeliverEndpointControl> logger, SmimeTelemetry telemetry, TimeProvider time, IHostApplicationLifetime lifetime, HandOverDeadline deadline)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(deadline);
        // A delivery in flight may wait for another copy's hand-over to end, then make its own: two hand-over limits.
        _stopTimeout = 2 * deadline.Limit;
        _logger = logger;
        _telemetry = telemetry;
        _time = time;
        _wishedAt = time.GetUtcNow();
        _stopping = lifetime.ApplicationStopping.Register(_closing.Cancel);
    }

    /// <summary>True when the breaker's last wish is that <c>smime-deliver</c> be paused.</summary>
    public bool PauseWished
    {
        get
        {
            lock (_gate)
            {
                return _pauseWished;
            }
        }
    }

    /// <summary>
    /// When the wish to consume began (the last <see cref="Resume"/> after a <see cref="Pause"/>, or the start of the process):
    /// an endpoint that is not consuming counts as stuck from then on, not from when it stopped.
    /// </summary>
    public DateTimeOffset ConsumeWishedSince
    {
        get
        {
            lock (_gate)
            {
                return _wishedAt;
            }
        }
    }

    /// <summary>Stop consuming <c>smime-deliver</c> (the breaker opened).</summary>
    public void Pause() => Wish(pause: true);

    /// <summary>Consume <c>smime-deliver</c> again (the breaker probes).</summary>
    public void Resume() => Wish(pause: false);

    /// <inheritdoc />
    public Task Ready(ReceiveEndpointReady ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        if (IsDeliver(ready.InputAddress))
        {
            lock (_gate)
            {
                _endpoint = ready.ReceiveEndpoint;
                _consuming.TrySetResult();
                // Consuming while the wish is to pause: a start that finished after the wish changed, or the first Ready
                // after a pause wished before the endpoint was known. Either way the reconciliation stops it.
                if (_pauseWished)
                {
                    StartReconcilingLocked();
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task Stopping(ReceiveEndpointStopping stopping) => NotConsuming(stopping?.InputAddress);

    /// <inheritdoc />
    public Task Completed(ReceiveEndpointCompleted completed) => NotConsuming(completed?.InputAddress);

    /// <inheritdoc />
    public Task Faulted(ReceiveEndpointFaulted faulted) => NotConsuming(faulted?.InputAddress);

    /// <inheritdoc />
    public void Dispose()
    {
        // Cancelled, not disposed: a reconciliation that is still winding down may read its token.
        _closing.Cancel();
        _stopping.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static bool IsDeliver(Uri? inputAddress) =>
        inputAddress is not null && inputAddress.AbsolutePath.TrimEnd('/').EndsWith("/" + QueueNames.Deliver, StringComparison.Ordinal);

    private static bool IsAlreadyStarted(InvalidOperationException e) => e.Message.Contains("already started", StringComparison.OrdinalIgnoreCase);

    private Task NotConsuming(Uri? inputAddress)
    {
        if (IsDeliver(inputAddress))
        {
            lock (_gate)
            {
                if (_consuming.Task.IsCompleted)
                {
                    _consuming = NewSignal();
                }
            }
        }

        return Task.CompletedTask;
    }

    private void Wish(bool pause)
    {
        lock (_gate)
        {
            if (_pauseWished != pause)
            {
                _pauseWished = pause;
                _wishedAt = _time.GetUtcNow();
                var changed = _wishChanged;
                _wishChanged = NewSignal();
                changed.TrySetResult();
            }

            StartReconcilingLocked();
        }
    }

    private void StartReconcilingLocked()
    {
        if (_reconciling || _closing.IsCancellationRequested)
        {
            return;
        }

        _reconciling = true;
        _ = Task.Run(ReconcileAsync);
    }

    private enum StartHandle
    {
        Held,
        Released,
        // A stop threw or was cancelled: MassTransit may still hold the handle (then it refuses a start as "already started").
        Unknown,
    }

    /// <summary>True when the endpoint is where the wish says (under the lock).</summary>
    private bool ReachedLocked() => _pauseWished ? _handle == StartHandle.Released : _handle == StartHandle.Held && _consuming.Task.IsCompleted;

    private async Task ReconcileAsync()
    {
        var tries = 0;
        while (true)
        {
            IReceiveEndpoint endpoint;
            bool pause;
            Task changed;
            lock (_gate)
            {
                // Not known yet: the first Ready brings it (and reconciles a pause wished meanwhile).
                if (_closing.IsCancellationRequested || _endpoint is null || ReachedLocked())
                {
                    _reconciling = false;
                    return;
                }

                endpoint = _endpoint;
                pause = _pauseWished;
                changed = _wishChanged.Task;
            }

            tries++;
            try
            {
                if (pause)
                {
                    await StopAsync(endpoint);
                }
                else
                {
                    await StartAsync(endpoint);
                }
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                // The host is stopping: the bus stops the endpoint itself.
                break;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var operation = pause ? "pause" : "resume";
                var delay = BackOff[Math.Min(tries, BackOff.Length) - 1];
                SenderLog.EndpointControlFailed(_logger, e, operation, tries, delay);
                _telemetry.RecordEndpointControlFailure(operation);
                await Task.WhenAny(changed, Task.Delay(delay, _time, _closing.Token));
                continue;
            }

            if (tries > 1)
            {
                SenderLog.EndpointControlRecovered(_logger, pause ? "pause" : "resume", tries);
            }

            tries = 0;
        }

        lock (_gate)
        {
            _reconciling = false;
        }
    }

    /// <summary>Stops the endpoint, waiting for its in-flight deliveries (bounded); MassTransit releases its start handle.</summary>
    private async Task StopAsync(IReceiveEndpoint endpoint)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        bound.CancelAfter(_stopTimeout);
        try
        {
            await endpoint.Stop(bound.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            SetHandle(StartHandle.Unknown);
            throw;
        }

        SetHandle(StartHandle.Released);
    }

    /// <summary>
    /// Starts the endpoint (unless MassTransit holds a start already) and waits for its <c>Ready</c>, up to
    /// <see cref="ReadyTimeout"/>; an endpoint not ready by then is stopped, and while the wish is still to consume the
    /// failure is reported, to be started again.
    /// </summary>
    private async Task StartAsync(IReceiveEndpoint endpoint)
    {
        Task consuming;
        bool started;
        lock (_gate)
        {
            started = _handle == StartHandle.Held;
            if (!started && _consuming.Task.IsCompleted)
            {
                // A start begins not consuming, whatever an event of an earlier start said.
                _consuming = NewSignal();
            }

            consuming = _consuming.Task;
        }

        if (!started)
        {
            try
            {
                endpoint.Start();
            }
            catch (InvalidOperationException e) when (IsAlreadyStarted(e))
            {
                // A stop that threw or was cancelled left MassTransit's handle behind: finish that stop (a second stop
                // releases the handle at once), then start afresh.
                SenderLog.EndpointHandleLeftBehind(_logger);
                await StopAsync(endpoint);
                endpoint.Start();
            }

            SetHandle(StartHandle.Held);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        var finished = await Task.WhenAny(consuming, Task.Delay(ReadyTimeout, _time, timeout.Token));
        await timeout.CancelAsync();
        if (finished == consuming || _closing.IsCancellationRequested)
        {
            return;
        }

        await StopAsync(endpoint);
        if (!PauseWished)
        {
            throw new TimeoutException($"{QueueNames.Deliver} was started but did not report itself ready within {ReadyTimeout.TotalSeconds:F0} s; stopped it to start it again.");
        }
    }

    private void SetHandle(StartHandle handle)
    {
        lock (_gate)
        {
            _handle = handle;
        }
    }
}
