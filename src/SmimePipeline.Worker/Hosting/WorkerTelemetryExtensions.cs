using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SmimePipeline.Cryptography;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Wires OpenTelemetry: our ActivitySource and Meter next to MassTransit's and the runtime's.</summary>
public static class WorkerTelemetryExtensions
{
    /// <summary>The service name used when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "smime-pipeline-worker";

    /// <summary>
    /// Adds tracing (SmimePipeline and MassTransit sources, outgoing HTTP; MassTransit's spans only propagated under
    /// <c>SmimePipeline:Telemetry:MassTransitSpans=Propagated</c>, see <see cref="MassTransitSpans"/>), metrics (SmimePipeline,
    /// MassTransit unless <c>SmimePipeline:Telemetry:MassTransitMetrics</c> is false, .NET runtime, HTTP client), a Prometheus exporter unless
    /// <c>SmimePipeline:Telemetry:Prometheus</c> is false, and OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Log lines carry the trace and span ids.
    /// </summary>
    public static IHostApplicationBuilder AddSmimePipelineTelemetry(this IHostApplicationBuilder builder) =>
        builder.AddSmimePipelineTelemetry(DefaultServiceName, []);

    /// <summary>
    /// The same set-up for every process of ours (worker, <c>smime demo</c>, <c>smime publish</c>,
    /// <c>smime bench pipeline</c>), so they all honour the same <c>OTEL_*</c> variables and a mail published
    /// from any of them is one trace to the ESP.
    /// </summary>
    /// <param name="builder">The host builder; its configuration must hold the environment (<c>OTEL_*</c>).</param>
    /// <param name="defaultServiceName">The service name used when <c>OTEL_SERVICE_NAME</c> is not set.</param>
    /// <param name="additionalSources">The process's own ActivitySources (e.g. the CLI's root spans).</param>
    public static IHostApplicationBuilder AddSmimePipelineTelemetry(this IHostApplicationBuilder builder, string defaultServiceName, IReadOnlyList<string> additionalSources)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultServiceName);
        ArgumentNullException.ThrowIfNull(additionalSources);
        var telemetry = builder.Configuration.GetSection($"{SmimePipelineOptions.SectionName}:Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!Enum.IsDefined(telemetry.MassTransitSpans))
        {
            throw new OptionsValidationException(
                nameof(TelemetryOptions),
                typeof(TelemetryOptions),
                [$"{SmimePipelineOptions.SectionName}:Telemetry:MassTransitSpans must be Recorded or Propagated (was {telemetry.MassTransitSpans})."]);
        }

        // Propagated: OpenTelemetry does not listen to MassTransit's source; our own listener creates its activities for
        // the context alone (PropagatedMassTransitSpans), living and dying with the tracer provider.
        bool recordMassTransit = telemetry.MassTransitSpans == MassTransitSpans.Recorded;
        string[] sources = recordMassTransit
            ? [SmimeTelemetry.Name, CryptographyTelemetry.SourceName, MassTransitSourceName, .. additionalSources]
            : [SmimeTelemetry.Name, CryptographyTelemetry.SourceName, .. additionalSources];
        // MassTransit records its metrics only while someone listens to its Meter (session 21).
        string[] meters = telemetry.MassTransitMetrics ? [SmimeTelemetry.Name, MassTransitSourceName] : [SmimeTelemetry.Name];

        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var openTelemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? defaultServiceName,
                serviceVersion: typeof(WorkerTelemetryExtensions).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing =>
            {
                tracing
                    .AddSource(sources)
                    .AddHttpClientInstrumentation();
                if (!recordMassTransit)
                {
                    tracing.AddInstrumentation(() => new PropagatedMassTransitSpans());
                }
            })
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(meters)
                    .AddRuntimeInstrumentation()
                    .AddHttpClientInstrumentation();
                if (telemetry.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            openTelemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>MassTransit's ActivitySource and Meter name (it propagates trace context in <c>MT-Activity-Id</c>).</summary>
    public const string MassTransitSourceName = "MassTransit";
}
