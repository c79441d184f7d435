using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Hosting;

/// <summary>Registers the checks behind <c>/health/ready</c> and <c>/health/live</c> that watch the work-queue consumers.</summary>
public static class WorkerHealthServiceCollectionExtensions
{
    /// <summary>The tag of checks that <c>/health/live</c> runs.</summary>
    public const string LiveTag = "live";

    /// <summary>The tag of checks that <c>/health/ready</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds <see cref="WorkQueueConsumers"/> as a receive-endpoint observer and its readiness and liveness checks.
    /// </summary>
    public static IServiceCollection AddWorkQueueConsumerHealth(this IServiceCollection services)
    {
        services.TryAddSingleton<WorkQueueConsumers>();
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<WorkQueueConsumers>());
        services.AddHealthChecks()
            .Add(new HealthCheckRegistration(
                WorkQueueConsumersHealthCheck.ReadinessName,
                sp => new WorkQueueConsumersHealthCheck(sp.GetRequiredService<WorkQueueConsumers>(), sp.GetRequiredService<IOptions<SmimePipelineOptions>>(), sp.GetRequiredService<TimeProvider>()),
                HealthStatus.Unhealthy,
                [ReadyTag]))
            .Add(new HealthCheckRegistration(
                WorkQueueConsumersHealthCheck.LivenessName,
                sp => new WorkQueueConsumersHealthCheck(sp.GetRequiredService<WorkQueueConsumers>(), sp.GetRequiredService<IOptions<SmimePipelineOptions>>(), sp.GetRequiredService<TimeProvider>()) { Liveness = true },
                HealthStatus.Unhealthy,
                [LiveTag]));
        return services;
    }
}
