using MassTransit;

namespace SmimePipeline.Worker.Tests.Sending;

/// <summary>
/// A receive endpoint that behaves as MassTransit 8.5's <c>ReceiveEndpoint</c> does towards whoever starts and stops it:
/// <see cref="Start"/> throws "already started" while it holds the handle of an earlier start (which only a stop that
/// finishes releases), reports <c>Ready</c> to its observer some time after a start, raises <c>Stopping</c> and then
/// <c>Completed</c> on a stop. It can be told to fail stops (the handle stays, as when the transport's stop throws), and it
/// records what a careful controller must never do: stop a start that has not reported ready, or run two operations at once.
/// </summary>
internal sealed class ScriptedReceiveEndpoint(IReceiveEndpointObserver observer) : IReceiveEndpoint
{
    private readonly Lock _gate = new();
    private int _inOperation;
    private int _starting;

    public Uri InputAddress { get; } = new("rabbitmq://localhost/test/smime-deliver");

    /// <summary>How long a start takes to report ready.</summary>
    public TimeSpan ReadyAfter { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How long a stop waits for its in-flight deliveries.</summary>
    public TimeSpan StopTakes { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The next stops that throw after <c>Stopping</c>, leaving the start handle held.</summary>
    public int StopsToFail { get; set; }

    public bool HoldsHandle { get; private set; } = true;

    public bool Consuming { get; private set; } = true;

    public int Starts { get; private set; }

    public int Stops { get; private set; }

    public int AlreadyStartedRefusals { get; private set; }

    /// <summary>Stops called while a start had not reported ready yet.</summary>
    public int StopsOfAStartNotReady { get; private set; }

    /// <summary>Starts or stops called while another one was still running.</summary>
    public int Overlaps { get; private set; }

    public Task<ReceiveEndpointReady> Started => throw new NotSupportedException();

    public ReceiveEndpointHandle Start(CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            lock (_gate)
            {
                if (HoldsHandle)
                {
                    AlreadyStartedRefusals++;
                    throw new InvalidOperationException($"The receive endpoint was already started: {InputAddress}");
                }

                HoldsHandle = true;
                Starts++;
                _starting++;
            }

            _ = ReportReadyAsync();
            return new Handle(this);
        }
        finally
        {
            Leave();
        }
    }

    public async Task Stop(CancellationToken cancellationToken = default)
    {
        Enter();
        try
        {
            lock (_gate)
            {
                Stops++;
                if (_starting > 0)
                {
                    StopsOfAStartNotReady++;
                }

                if (!HoldsHandle)
                {
                    return;
                }
            }

            await observer.Stopping(new EndpointEvent(this));
            await Task.Delay(StopTakes, cancellationToken);
            lock (_gate)
            {
                Consuming = false;
                if (StopsToFail > 0)
                {
                    StopsToFail--;
                    throw new InvalidOperationException("The transport's stop failed (scripted).");
                }

                HoldsHandle = false;
            }

            await observer.Completed(new EndpointEvent(this));
        }
        finally
        {
            Leave();
        }
    }

    private async Task ReportReadyAsync()
    {
        await Task.Delay(ReadyAfter);
        lock (_gate)
        {
            _starting--;
            Consuming = true;
        }

        await observer.Ready(new EndpointEvent(this));
    }

    private void Enter()
    {
        if (Interlocked.Increment(ref _inOperation) > 1)
        {
            lock (_gate)
            {
                Overlaps++;
            }
        }
    }

    private void Leave() => Interlocked.Decrement(ref _inOperation);

    public Task<ISendEndpoint> GetSendEndpoint(Uri address) => throw new NotSupportedException();

    public Task<ISendEndpoint> GetPublishSendEndpoint<T>()
        where T : class => throw new NotSupportedException();

    public ConnectHandle ConnectPublishObserver(IPublishObserver observer) => throw new NotSupportedException();

    public ConnectHandle ConnectSendObserver(ISendObserver observer) => throw new NotSupportedException();

    public ConnectHandle ConnectConsumePipe<T>(IPipe<ConsumeContext<T>> pipe)
        where T : class => throw new NotSupportedException();

    public ConnectHandle ConnectConsumePipe<T>(IPipe<ConsumeContext<T>> pipe, ConnectPipeOptions options)
        where T : class => throw new NotSupportedException();

    public ConnectHandle ConnectRequestPipe<T>(Guid requestId, IPipe<ConsumeContext<T>> pipe)
        where T : class => throw new NotSupportedException();

    public ConnectHandle ConnectReceiveObserver(IReceiveObserver observer) => throw new NotSupportedException();

    public ConnectHandle ConnectConsumeObserver(IConsumeObserver observer) => throw new NotSupportedException();

    public ConnectHandle ConnectConsumeMessageObserver<T>(IConsumeMessageObserver<T> observer)
        where T : class => throw new NotSupportedException();

    public void Probe(ProbeContext context) => throw new NotSupportedException();

    private sealed class Handle(ScriptedReceiveEndpoint endpoint) : ReceiveEndpointHandle
    {
        public Task<ReceiveEndpointReady> Ready => throw new NotSupportedException("The control waits for the observer's Ready event.");

        public Task Stop(CancellationToken cancellationToken = default) => endpoint.Stop(cancellationToken);
    }

    private sealed class EndpointEvent(ScriptedReceiveEndpoint endpoint) : ReceiveEndpointReady, ReceiveEndpointStopping, ReceiveEndpointCompleted
    {
        public Uri InputAddress => endpoint.InputAddress;

        public IReceiveEndpoint ReceiveEndpoint => endpoint;

        public bool IsStarted => true;

        public bool Removed => false;

        public long DeliveryCount => 0;

        public long ConcurrentDeliveryCount => 0;
    }
}
