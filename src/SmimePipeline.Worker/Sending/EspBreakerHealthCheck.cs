using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Readiness of a sender: not ready while the ESP circuit breaker holds consumption paused, so
/// operators and Kubernetes see the outage on the pod, not only in the metrics.
/// </summary>
public sealed class EspBreakerHealthCheck(EspCircuitBreaker breaker) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(breaker.IsOpen
            ? HealthCheckResult.Unhealthy("The ESP circuit breaker is open: consumption of smime-deliver is paused until a probe succeeds.")
            : HealthCheckResult.Healthy());
}
