using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Hosting;

/// <summary>
/// Readiness (<c>ready</c> tag): unhealthy as soon as any work queue of this worker has no consumer of ours.
/// Liveness (<see cref="Liveness"/>, <c>live</c> tag): unhealthy once a work queue has gone without our consumer for
/// longer than <c>SmimePipeline:Health:RecoveryTimeout</c> (a pause by the ESP circuit breaker excepted), so that
/// Kubernetes replaces a worker that cannot recover on its own.
/// </summary>
public sealed class WorkQueueConsumersHealthCheck(WorkQueueConsumers consumers, IOptions<SmimePipelineOptions> options, TimeProvider time) : IHealthCheck
{
    /// <summary>The name of the readiness check.</summary>
    public const string ReadinessName = "work-queue-consumers";

    /// <summary>The name of the liveness check.</summary>
    public const string LivenessName = "work-queue-consumers-recovery";

    /// <summary>Set on the liveness registration (through <see cref="HealthCheckRegistration"/>'s factory).</summary>
    public bool Liveness { get; init; }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var missing = consumers.NotConsuming();
        if (Liveness)
        {
            var bound = options.Value.Health.RecoveryTimeout;
            var now = time.GetUtcNow();
            var stuck = missing.Where(m => !m.PausedOnPurpose && now - m.Since > bound).ToList();
            return Task.FromResult(stuck.Count == 0
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy(
                    $"No consumer on {string.Join(", ", stuck.Select(s => $"{s.Queue} ({s.State} since {s.Since:O})"))} for longer than " +
                    $"SmimePipeline:Health:RecoveryTimeout ({bound}): the worker did not recover and must be replaced."));
        }

        return Task.FromResult(missing.Count == 0
            ? HealthCheckResult.Healthy($"Consuming {string.Join(", ", consumers.Expected)}.")
            : HealthCheckResult.Unhealthy($"Not consuming {string.Join(", ", missing.Select(m => $"{m.Queue} ({m.State})"))}."));
    }
}
