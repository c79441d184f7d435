using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// The log lines of a sender's circuit breaker and of the control that pauses and resumes <c>smime-deliver</c> (and
/// MassTransit's warnings and errors), kept for a test's failure message: a breaker test that fails on CI must say from
/// its own output whether the endpoint was stopped, started, or stuck between the two.
/// </summary>
public sealed class BreakerLog : IDisposable
{
    private static readonly string[] Categories = ["SmimePipeline.Worker.Sending.EspCircuitBreaker", "SmimePipeline.Worker.Sending.DeliverEndpointControl", "MassTransit"];
    private readonly RecordingLoggerProvider _lines = new();

    /// <summary>Adds the recording to a worker host's logging (pass to <see cref="WorkerHost.StartAsync"/>).</summary>
    public void AddTo(HostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Logging.AddProvider(_lines);
        foreach (var category in Categories[..2])
        {
            builder.Logging.AddFilter(category, LogLevel.Information);
        }
    }

    /// <summary>The last <paramref name="count"/> lines of the breaker, the control and MassTransit, oldest first.</summary>
    public string Tail(int count = 80)
    {
        var lines = _lines.Lines.Where(l => Categories.Any(c => l.Contains($" {c}", StringComparison.Ordinal))).ToList();
        return $"last {Math.Min(count, lines.Count)} of {lines.Count} breaker/endpoint log lines:\n" + string.Join('\n', lines.TakeLast(count));
    }

    /// <inheritdoc />
    public void Dispose() => _lines.Dispose();
}
