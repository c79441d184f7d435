using System.Diagnostics;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Cli.Telemetry;

/// <summary>
/// OpenTelemetry for the CLI's own processes (<c>smime demo</c>, <c>smime publish</c>, <c>smime bench pipeline</c>):
/// the worker's set-up (<see cref="WorkerTelemetryExtensions.AddSmimePipelineTelemetry(IHostApplicationBuilder, string, IReadOnlyList{string})"/>)
/// with the CLI's ActivitySource and service name <c>smime-cli</c>, switched on by the same <c>OTEL_*</c> variables
/// as the worker (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_SERVICE_NAME</c>, …).
/// Without an OTLP endpoint nothing is set up and nothing is exported.
/// </summary>
internal static class CliTelemetry
{
    /// <summary>The CLI's ActivitySource (root spans of what it publishes).</summary>
    public const string SourceName = "SmimePipeline.Cli";

    /// <summary>The service name when <c>OTEL_SERVICE_NAME</c> is not set.</summary>
    public const string DefaultServiceName = "smime-cli";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Whether <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> asks for export.</summary>
    public static bool Requested => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));

    /// <summary>Adds the shared telemetry to a CLI host when export is requested (no Prometheus: a CLI serves no /metrics).</summary>
    public static void AddTo(IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!Requested)
        {
            return;
        }

        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration["SmimePipeline:Telemetry:Prometheus"] = "false";
        builder.AddSmimePipelineTelemetry(DefaultServiceName, [SourceName]);
    }

    /// <summary>
    /// For a command without a host of its own: a host holding only the telemetry, started, or <see langword="null"/>
    /// when export is not requested. Stopping and disposing it flushes the spans.
    /// </summary>
    public static async Task<IHost?> StartAsync(CancellationToken cancellationToken)
    {
        if (!Requested)
        {
            return null;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        AddTo(builder);
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }
}
