namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// Export settings. OTLP is configured by the standard <c>OTEL_*</c> environment variables
/// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> grpc|http/protobuf,
/// <c>OTEL_SERVICE_NAME</c>) and is on only when an endpoint is set.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>Serve Prometheus metrics at <c>/metrics</c> on the worker's HTTP port. Default <see langword="true"/>.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>
    /// Whether MassTransit's own spans are recorded or only carry the mail's trace context (<see cref="Configuration.MassTransitSpans"/>).
    /// Default <see cref="MassTransitSpans.Recorded"/>.
    /// </summary>
    public MassTransitSpans MassTransitSpans { get; set; } = MassTransitSpans.Recorded;

    /// <summary>
    /// Whether MassTransit's own metrics (its <c>MassTransit</c> Meter: received, consumed and sent messages, faults, retries,
    /// in-progress counts and duration histograms, tagged by endpoint, message type and consumer) are collected and exported
    /// beside ours. Default <see langword="true"/>. Off, MassTransit records none of them (its instruments stay disabled, so it
    /// skips their tags and closures per message); the product's dashboards and alert rules query none of them.
    /// </summary>
    public bool MassTransitMetrics { get; set; } = true;
}
