using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Tests.Sending;

/// <summary>
/// The reconciliation of <see cref="DeliverEndpointControl"/> against an endpoint that behaves as MassTransit 8.5's does
/// (<see cref="ScriptedReceiveEndpoint"/>): whatever the order and timing of the breaker's pauses and resumes, and whatever
/// stop fails, the endpoint ends where the last wish says, no start that has not reported ready is stopped, no two
/// operations overlap, and a control that cannot do what the breaker wants is visible to liveness.
/// </summary>
public sealed class DeliverEndpointControlTests : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private readonly ServiceProvider _services;
    private readonly DeliverEndpointControl _control;
    private readonly ScriptedReceiveEndpoint _endpoint;
    private readonly MeterListener _listener = new();
    private long _failuresCounted;

    public DeliverEndpointControlTests()
    {
        _services = new ServiceCollection()
            .AddMetrics()
            .AddSingleton(TimeProvider.System)
            .AddSingleton<IHostApplicationLifetime, RunningHost>()
            .AddSingleton<SmimeTelemetry>()
            .AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>))
            .AddSingleton(Options.Create(new DeliveryOptions()))
            .AddSingleton<HandOverDeadline>()
            .AddSingleton<DeliverEndpointControl>()
            .AddSingleton(Options.Create(new SmimePipelineOptions { Roles = WorkerRoles.Sender, Transport = TransportKind.RabbitMq }))
            .AddSingleton<WorkQueueConsumers>()
            .BuildServiceProvider();
        _control = _services.GetRequiredService<DeliverEndpointControl>();
        var consumers = _services.GetRequiredService<WorkQueueConsumers>();
        _endpoint = new ScriptedReceiveEndpoint(new BothObservers(_control, consumers));
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SmimeTelemetry.Name && instrument.Name == "smime.sender.endpoint_control_failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _failuresCounted, value));
        _listener.Start();
    }

    [Fact]
    public async Task A_resume_after_a_stop_that_failed_finishes_that_stop_and_ends_consuming()
    {
        await StartedByTheBusAsync();
        _endpoint.StopsToFail = int.MaxValue;

        _control.Pause();
        await WaitAsync(() => Interlocked.Read(ref _failuresCounted) >= 1, "the first stop failed");
        // Resumed after the failed stop: MassTransit still holds the handle and refuses a plain start until a stop finishes.
        _control.Resume();
        _endpoint.StopsToFail = 0;

        await WaitAsync(() => _endpoint.Consuming && _endpoint.HoldsHandle, "consuming again");
        Assert.True(_endpoint.AlreadyStartedRefusals >= 1, "No start was refused: the scenario did not happen.");
        Assert.Equal(0, _endpoint.Overlaps);
        Assert.True(Interlocked.Read(ref _failuresCounted) >= 1, "The failed stop was not counted.");
    }

    [Fact]
    public async Task A_pause_wished_while_a_start_is_not_ready_stops_it_once_it_is_ready()
    {
        await StartedByTheBusAsync();
        _control.Pause();
        await WaitAsync(() => !_endpoint.HoldsHandle, "stopped");
        _endpoint.ReadyAfter = TimeSpan.FromSeconds(2);

        _control.Resume();
        await WaitAsync(() => _endpoint.Starts == 1, "the start");
        _control.Pause();

        await WaitAsync(() => !_endpoint.HoldsHandle && !_endpoint.Consuming && _endpoint.Stops == 2, "stopped after the start was ready");
        Assert.Equal(0, _endpoint.StopsOfAStartNotReady);
        Assert.Equal(0, _endpoint.Overlaps);
        Assert.True(_control.PauseWished);
    }

    [Fact]
    public async Task After_many_fast_pauses_and_resumes_with_failing_stops_the_endpoint_ends_where_the_last_wish_says()
    {
        await StartedByTheBusAsync();
        _endpoint.ReadyAfter = TimeSpan.FromMilliseconds(3);
        _endpoint.StopTakes = TimeSpan.FromMilliseconds(2);
        var random = new Random(18);
        foreach (var round in Enumerable.Range(0, 5))
        {
            _endpoint.StopsToFail = 2;
            var pause = false;
            for (var i = 0; i < 100; i++)
            {
                pause = random.Next(2) == 0;
                if (pause)
                {
                    _control.Pause();
                }
                else
                {
                    _control.Resume();
                }

                await Task.Delay(random.Next(3));
            }

            await WaitAsync(
                () => pause ? !_endpoint.HoldsHandle && !_endpoint.Consuming : _endpoint.HoldsHandle && _endpoint.Consuming,
                $"round {round}: {(pause ? "paused" : "consuming")} as last wished (holds handle {_endpoint.HoldsHandle}, consuming {_endpoint.Consuming})");
        }

        Assert.Equal(0, _endpoint.StopsOfAStartNotReady);
        Assert.Equal(0, _endpoint.Overlaps);
    }

    [Fact]
    public async Task A_resume_the_endpoint_cannot_honour_counts_against_liveness_from_the_moment_it_was_wished()
    {
        var consumers = _services.GetRequiredService<WorkQueueConsumers>();
        await StartedByTheBusAsync();
        _control.Pause();
        await WaitAsync(() => !_endpoint.HoldsHandle, "stopped");
        Assert.True(Deliver(consumers).PausedOnPurpose, "A pause the breaker wants is not on purpose.");
        _control.Resume();
        await WaitAsync(() => _endpoint.Consuming, "consuming");
        // Every stop fails from here on, and the handle stays held: no start is possible.
        _endpoint.StopsToFail = int.MaxValue;
        _control.Pause();
        await WaitAsync(() => Interlocked.Read(ref _failuresCounted) >= 1, "a failed stop");
        var beforeResume = DateTimeOffset.UtcNow;

        _control.Resume();

        await WaitAsync(() => Interlocked.Read(ref _failuresCounted) >= 3, "the control's failures counted");
        var deliver = Deliver(consumers);
        Assert.False(deliver.PausedOnPurpose, "An endpoint the breaker wants consuming was reported as paused on purpose.");
        Assert.True(deliver.Since >= beforeResume, $"Not consuming since {deliver.Since:O}, before the resume was wished ({beforeResume:O}).");
        Assert.False(_endpoint.Consuming);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private static (string Queue, string State, DateTimeOffset Since, bool PausedOnPurpose) Deliver(WorkQueueConsumers consumers) =>
        Assert.Single(consumers.NotConsuming(), m => m.Queue == QueueNames.Deliver);

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        var deadline = DateTimeOffset.UtcNow + Budget;
        while (!condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"Not reached within {Budget.TotalSeconds:F0} s: {what}.");
            await Task.Delay(10);
        }
    }

    // The bus started the endpoint and it reported ready, as at a worker's start.
    private Task StartedByTheBusAsync() => new BothObservers(_control, _services.GetRequiredService<WorkQueueConsumers>()).Ready(new ReadyEvent(_endpoint));

    private sealed class RunningHost : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => throw new NotSupportedException();
    }

    private sealed class ReadyEvent(ScriptedReceiveEndpoint endpoint) : MassTransit.ReceiveEndpointReady
    {
        public Uri InputAddress => endpoint.InputAddress;

        public MassTransit.IReceiveEndpoint ReceiveEndpoint => endpoint;

        public bool IsStarted => true;
    }

    // The endpoint's observers in a worker: the control and the consumer health.
    private sealed class BothObservers(DeliverEndpointControl control, WorkQueueConsumers consumers) : MassTransit.IReceiveEndpointObserver
    {
        public async Task Ready(MassTransit.ReceiveEndpointReady ready)
        {
            await consumers.Ready(ready);
            await control.Ready(ready);
        }

        public async Task Stopping(MassTransit.ReceiveEndpointStopping stopping)
        {
            await consumers.Stopping(stopping);
            await control.Stopping(stopping);
        }

        public async Task Completed(MassTransit.ReceiveEndpointCompleted completed)
        {
            await consumers.Completed(completed);
            await control.Completed(completed);
        }

        public async Task Faulted(MassTransit.ReceiveEndpointFaulted faulted)
        {
            await consumers.Faulted(faulted);
            await control.Faulted(faulted);
        }
    }
}
