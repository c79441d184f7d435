using System.Diagnostics.Metrics;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Publishes <c>smime.signer.certificate.days_to_expiry</c> for every signer identity the signer role can use: the
/// mounted ones (when <c>Signer:IdentitiesPath</c> is set) and those in the store directory. Read at each
/// metrics collection, so a rotated identity shows up without a restart.
/// </summary>
public sealed class SignerExpiryGauge : IHostedService
{
    public SignerExpiryGauge(SmimeTelemetry telemetry, DirectoryCertificateStore files, TimeProvider time, MountedSignerIdentities? mounted = null)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(time);
        telemetry.ObserveSignerExpiry(() =>
        {
            var now = time.GetUtcNow();
            var fromMounts = (mounted?.Identities ?? []).Select(i => (i.Address, Thumbprint: i.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant(), NotAfter: new DateTimeOffset(i.Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero)));
            var fromStore = files.List().Where(e => e.Kind == StoreEntryKind.Signer).Select(e => (Address: e.Address ?? "", e.Thumbprint, e.NotAfter));
            return fromMounts.Concat(fromStore)
                .DistinctBy(s => (s.Address, s.Thumbprint))
                .Select(s => new Measurement<double>(
                    (s.NotAfter - now).TotalDays,
                    new KeyValuePair<string, object?>("identity", s.Address),
                    new KeyValuePair<string, object?>("sha256", s.Thumbprint)));
        });
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
