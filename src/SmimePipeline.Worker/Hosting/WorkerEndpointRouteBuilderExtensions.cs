using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Maps the worker's HTTP endpoints: Kubernetes probes and the Prometheus scrape endpoint.</summary>
public static class WorkerEndpointRouteBuilderExtensions
{
    // Degraded is not ready: a worker whose bus reports a faulted endpoint must not receive traffic or count as up.
    private static readonly Dictionary<HealthStatus, int> StatusCodes = new()
    {
        [HealthStatus.Healthy] = Microsoft.AspNetCore.Http.StatusCodes.Status200OK,
        [HealthStatus.Degraded] = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
        [HealthStatus.Unhealthy] = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
    };

    /// <summary>
    /// <c>/health/live</c>: the checks tagged <c>live</c> — a work queue without our consumer for longer than
    /// <c>SmimePipeline:Health:RecoveryTimeout</c> fails it, so Kubernetes replaces the pod; a broker outage shorter than
    /// that does not. <c>/health/ready</c>: every check tagged <c>ready</c> (MassTransit's bus and endpoints, every work
    /// queue consumed, the signer's keys, the ESP breaker closed); Degraded and Unhealthy both answer 503.
    /// <c>/metrics</c>: Prometheus text format, unless turned off.
    /// </summary>
    public static WebApplication MapSmimePipelineEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(WorkerHealthServiceCollectionExtensions.LiveTag),
            ResultStatusCodes = StatusCodes,
        });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(WorkerHealthServiceCollectionExtensions.ReadyTag),
            ResultStatusCodes = StatusCodes,
        });

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
