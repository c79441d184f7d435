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
    /// Adds tracing (SmimePipeline and MassTransit sources, outgoing HTTP), metrics (SmimePipeline,
    /// MassTransit, .NET runtime, HTTP client), a Prometheus exporter unless
    /// <c>SmimePipeline:Telemetry:Prometheus</c> is false, and OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Log lines carry the trace and span ids.
    /// </summary>
    public static IHostApplicationBuilder AddSmimePipelineTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var telemetry = builder.Configuration.GetSection($"{SmimePipelineOptions.SectionName}:Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();

        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        var openTelemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? DefaultServiceName,
                serviceVersion: typeof(WorkerTelemetryExtensions).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddSource(SmimeTelemetry.Name, CryptographyTelemetry.SourceName, MassTransitSourceName)
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(SmimeTelemetry.Name, MassTransitSourceName)
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
