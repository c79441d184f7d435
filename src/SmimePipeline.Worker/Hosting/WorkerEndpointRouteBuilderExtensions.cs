using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Maps the worker's HTTP endpoints for Kubernetes probes.</summary>
public static class WorkerEndpointRouteBuilderExtensions
{
    /// <summary>
    /// <c>/health/live</c>: the process answers (no dependency is checked, so a broker outage does not
    /// restart every pod); <c>/health/ready</c>: every check tagged <c>ready</c> (MassTransit's bus check).
    /// </summary>
    public static IEndpointRouteBuilder MapSmimePipelineHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return endpoints;
    }
}
