using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Maps the worker's HTTP endpoints: Kubernetes probes and the Prometheus scrape endpoint.</summary>
public static class WorkerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// <c>/health/live</c>: the process answers (no dependency is checked, so a broker outage does not
    /// restart every pod); <c>/health/ready</c>: every check tagged <c>ready</c> (MassTransit's bus, the
    /// signer's keys); <c>/metrics</c>: Prometheus text format, unless turned off.
    /// </summary>
    public static WebApplication MapSmimePipelineEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

        var roles = app.Configuration.GetSection(SmimePipelineOptions.SectionName).Get<SmimePipelineOptions>()?.Roles ?? WorkerRoles.All;
        if (roles.HasFlag(WorkerRoles.Webhooks))
        {
            app.MapSmimeWebhooks();
        }

        var telemetry = app.Configuration.GetSection($"{SmimePipelineOptions.SectionName}:Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (telemetry.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint();
        }

        return app;
    }
}
