using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Tests.Telemetry;

/// <summary>
/// Session 21: the return path's tags come from request bodies. An event type or bounce class the ESP does not define is
/// counted as <c>other</c>, so that a caller cannot grow the scrape by a series per string it sends.
/// </summary>
public sealed class ReturnPathTelemetryTests
{
    [Fact]
    public void Event_types_and_bounce_classes_the_esp_does_not_define_are_counted_as_other()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var telemetry = new ReturnPathTelemetry(meters);
        var seen = new List<(string Instrument, string Tag)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name is "smime.esp.events" or "smime.esp.bounces")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key is "type" or "class")
                {
                    seen.Add((instrument.Name, (string)tag.Value!));
                }
            }
        });
        listener.Start();

        telemetry.RecordEspEvent("delivery");
        telemetry.RecordEspEvent("dsn_failed");
        telemetry.RecordEspEvent("made-up-type-" + Guid.NewGuid().ToString("N"));
        telemetry.RecordBounce(10, hard: true);
        telemetry.RecordBounce(2_000_000, hard: false);
        telemetry.RecordBounce(null, hard: false);

        Assert.Equal(
            [
                ("smime.esp.events", "delivery"), ("smime.esp.events", "dsn_failed"), ("smime.esp.events", "other"),
                ("smime.esp.bounces", "10"), ("smime.esp.bounces", "other"), ("smime.esp.bounces", "unknown"),
            ],
            seen);
    }
}
