using System.Diagnostics.Metrics;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Polls the mounted signer identities for changes (Secret rotation swaps a symlink, which file watchers
/// miss) and publishes each identity's days to expiry as a gauge.
/// </summary>
public sealed class SignerIdentitiesRefresher : BackgroundService
{
    private readonly MountedSignerIdentities _identities;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger<SignerIdentitiesRefresher> _logger;

    public SignerIdentitiesRefresher(MountedSignerIdentities identities, TimeSpan interval, SmimeTelemetry telemetry, TimeProvider time, ILogger<SignerIdentitiesRefresher> logger)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(telemetry);
        _identities = identities;
        _interval = interval;
        _time = time;
        _logger = logger;
        telemetry.ObserveSignerExpiry(() => _identities.Identities.Select(i => new Measurement<double>(
            (i.Certificate.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime).TotalDays,
            new KeyValuePair<string, object?>("smime.signer", i.Address),
            new KeyValuePair<string, object?>("smime.certificate_sha256", i.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant()))));
        ReportProblems();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (_identities.Refresh())
                {
                    Log.SignerIdentitiesReloaded(_logger, _identities.RootPath, _identities.Identities.Count);
                    ReportProblems();
                }
            }
            catch (IOException ex)
            {
                // A rotation in progress can remove files under our feet; the next tick sees the new set.
                Log.SignerIdentityProblem(_logger, ex.Message);
            }
        }
    }

    private void ReportProblems()
    {
        foreach (var problem in _identities.Problems)
        {
            Log.SignerIdentityProblem(_logger, problem);
        }
    }
}
