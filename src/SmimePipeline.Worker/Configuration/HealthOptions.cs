namespace SmimePipeline.Worker.Configuration;

/// <summary>Readiness and liveness of the worker (section <c>SmimePipeline:Health</c>).</summary>
public sealed class HealthOptions
{
    /// <summary>
    /// How long a work queue's consumer may stay stopped or faulted (not paused on purpose by the ESP circuit
    /// breaker) before <c>/health/live</c> fails, so that Kubernetes replaces the pod. Readiness fails at once.
    /// Default 2 minutes: MassTransit reconnects within about 20 s after a broker restart.
    /// </summary>
    public TimeSpan RecoveryTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
