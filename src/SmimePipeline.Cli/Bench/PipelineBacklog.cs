using System.Diagnostics.Metrics;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// A closed-loop producer's admission (<c>smime bench pipeline --backlog N</c>): at most N mails between their publish
/// and their end (delivered or dead-lettered), so the next publish waits until the pipeline has finished one. An
/// open-loop producer that publishes thousands of mails at once fills the protect queue with seconds of work and keeps
/// its own window of publishes in flight at the broker beside the signer's and the sender's, which is not a steady state
/// a producer service would hold; with a backlog the queues stay short and the rate is the one the pipeline sustains.
/// Counts ends through the worker's own counters (<c>smime.mails.delivered</c>, <c>smime.dead_letters</c> on the
/// <see cref="SmimeTelemetry.Name"/> meter), heard from the moment this is created.
/// </summary>
internal sealed class PipelineBacklog : IDisposable
{
    private readonly SemaphoreSlim _room;
    private readonly MeterListener _listener = new();

    /// <param name="limit">Mails allowed between publish and end; at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is below 1.</exception>
    public PipelineBacklog(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _room = new SemaphoreSlim(limit, int.MaxValue);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SmimeTelemetry.Name && instrument.Name is "smime.mails.delivered" or "smime.dead_letters")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, ended, _, _) =>
        {
            if (ended > 0)
            {
                _room.Release((int)ended);
            }
        });
        _listener.Start();
    }

    /// <summary>Mails allowed between publish and end.</summary>
    public int Limit { get; }

    /// <summary>Waits until fewer than <see cref="Limit"/> mails are between publish and end, and takes the place.</summary>
    public Task EnterAsync(CancellationToken cancellationToken) => _room.WaitAsync(cancellationToken);

    public void Dispose()
    {
        _listener.Dispose();
        _room.Dispose();
    }
}
