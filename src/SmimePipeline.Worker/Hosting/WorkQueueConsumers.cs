using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Worker.Hosting;

/// <summary>
/// Whether this worker's consumers are on its work queues right now (<c>smime-protect</c> and <c>smime-harvest</c>
/// for a signer, <c>smime-deliver</c> for a sender), from MassTransit's receive-endpoint events: an endpoint is
/// consuming between <c>Ready</c> and the next <c>Stopping</c>, <c>Completed</c> or <c>Faulted</c>. A
/// <c>smime-deliver</c> endpoint stopped while the ESP circuit breaker is open is paused on purpose and does not count
/// against liveness (readiness already fails through the breaker's own check).
/// </summary>
public sealed class WorkQueueConsumers : IReceiveEndpointObserver
{
    private readonly ConcurrentDictionary<string, (bool Consuming, DateTimeOffset Since, string State)> _endpoints = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<string> _expected;
    private readonly TimeProvider _time;
    // Resolved on first use, not here: this observer is built while the bus is configured, before OpenTelemetry's
    // meter listener starts, and the breaker creates its open gauge when it is built (an instrument's value recorded
    // before the listener starts is lost; CounterSeriesAtStart starts the counters' series once the host has started).
    private readonly Lazy<DeliverEndpointControl?> _deliverControl;
    private readonly DateTimeOffset _started;

    public WorkQueueConsumers(IOptions<SmimePipelineOptions> options, TimeProvider time, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        var roles = options.Value.Roles;
        // The large-mail lane exists on RabbitMQ only (see LargeMailLane).
        var signerQueues = options.Value.Transport == TransportKind.RabbitMq
            ? new[] { QueueNames.Protect, QueueNames.ProtectLarge, QueueNames.Harvest }
            : [QueueNames.Protect, QueueNames.Harvest];
        _expected = [.. roles.HasFlag(WorkerRoles.Signer) ? signerQueues : [], .. roles.HasFlag(WorkerRoles.Sender) ? new[] { QueueNames.Deliver } : []];
        _time = time;
        _deliverControl = new Lazy<DeliverEndpointControl?>(services.GetService<DeliverEndpointControl>);
        _started = time.GetUtcNow();
    }

    /// <summary>The work queues this worker must consume, by its roles.</summary>
    public IReadOnlyList<string> Expected => _expected;

    /// <summary>The expected queues not being consumed now, each with its state and since when.</summary>
    public IReadOnlyList<(string Queue, string State, DateTimeOffset Since, bool PausedOnPurpose)> NotConsuming()
    {
        var result = new List<(string, string, DateTimeOffset, bool)>();
        foreach (var queue in _expected)
        {
            if (!_endpoints.TryGetValue(queue, out var endpoint))
            {
                result.Add((queue, "not started", _started, false));
            }
            else if (!endpoint.Consuming)
            {
                var control = queue == QueueNames.Deliver ? _deliverControl.Value : null;
                var since = control is null || endpoint.Since > control.ConsumeWishedSince ? endpoint.Since : control.ConsumeWishedSince;
                result.Add((queue, endpoint.State, since, control is { PauseWished: true }));
            }
        }

        return result;
    }

    /// <inheritdoc />
    public Task Ready(ReceiveEndpointReady ready) => Record(ready?.InputAddress, consuming: true, "ready");

    /// <inheritdoc />
    public Task Stopping(ReceiveEndpointStopping stopping) => Record(stopping?.InputAddress, consuming: false, "stopping");

    /// <inheritdoc />
    public Task Completed(ReceiveEndpointCompleted completed) => Record(completed?.InputAddress, consuming: false, "stopped");

    /// <inheritdoc />
    public Task Faulted(ReceiveEndpointFaulted faulted) =>
        Record(faulted?.InputAddress, consuming: false, $"faulted ({faulted?.Exception?.GetType().Name}: {faulted?.Exception?.Message})");

    private Task Record(Uri? inputAddress, bool consuming, string state)
    {
        var queue = inputAddress?.AbsolutePath.TrimEnd('/').Split('/')[^1];
        if (queue is not null && _expected.Contains(queue))
        {
            _endpoints[queue] = (consuming, _time.GetUtcNow(), state);
        }

        return Task.CompletedTask;
    }
}
