using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Readiness of a signer: at least one signer identity within its validity period is loaded (from the
/// store or from mounted Secrets). A signer without one would dead-letter every mail it takes.
/// </summary>
public sealed class SignerKeysHealthCheck(DirectoryCertificateStore files, TimeProvider time, MountedSignerIdentities? mounted = null) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var valid = files.List().Count(e => e.Kind == StoreEntryKind.Signer && e.NotBefore <= now && now <= e.NotAfter)
            + (mounted?.Identities ?? []).Count(i => i.Certificate.NotBefore.ToUniversalTime() <= now.UtcDateTime && now.UtcDateTime <= i.Certificate.NotAfter.ToUniversalTime());
        return Task.FromResult(valid > 0
            ? HealthCheckResult.Healthy($"{valid} valid signer identities loaded.")
            : HealthCheckResult.Unhealthy("No valid signer identity is loaded: import one with 'smime certs import-signer' or mount one under SmimePipeline:Signer:IdentitiesPath."));
    }
}
