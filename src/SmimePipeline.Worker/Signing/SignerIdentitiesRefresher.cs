using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Polls the mounted signer identities for changes (Secret rotation swaps a symlink, which file watchers
/// miss) and logs identities that cannot be loaded. A round that fails as a whole (the directory vanished, became
/// unreadable or is no longer a directory) keeps the identities already loaded, writes one line naming the directory
/// and the cause (event 1108), counts <c>smime.background.failures{service="signer-identities"}</c> and tries again at
/// the next interval: an exception out of this loop would stop the signer (<c>BackgroundServiceExceptionBehavior.StopHost</c>;
/// before session 20 anything but an <see cref="IOException"/> did, e.g. <see cref="UnauthorizedAccessException"/>).
/// </summary>
public sealed class SignerIdentitiesRefresher : BackgroundService
{
    /// <summary>The <c>service</c> tag of this loop's failures.</summary>
    public const string ServiceName = "signer-identities";

    private readonly MountedSignerIdentities _identities;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly SmimeTelemetry _telemetry;
    private readonly ILogger<SignerIdentitiesRefresher> _logger;

    public SignerIdentitiesRefresher(MountedSignerIdentities identities, TimeSpan interval, TimeProvider time, SmimeTelemetry telemetry, ILogger<SignerIdentitiesRefresher> logger)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(telemetry);
        _identities = identities;
        _interval = interval;
        _time = time;
        _telemetry = telemetry;
        _logger = logger;
        telemetry.ObserveBackgroundService(ServiceName);
        ReportProblems();
    }

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // A rotation in progress can remove files under our feet, an unmounted volume takes the directory: the identities
        // loaded last stay in use, and the next tick sees the new set. The message names a path, never key bytes.
        BackgroundRounds.RunAsync(
            ServiceName, _interval, _time, roundAtStart: false,
            _ =>
            {
                if (_identities.Refresh())
                {
                    Log.SignerIdentitiesReloaded(_logger, _identities.RootPath, _identities.Identities.Count);
                    ReportProblems();
                }

                return Task.CompletedTask;
            },
            ex => Log.SignerIdentitiesRefreshFailed(_logger, _identities.RootPath, _identities.Identities.Count, ex.GetType().Name, ex.Message, _interval),
            _telemetry,
            stoppingToken);

    private void ReportProblems()
    {
        foreach (var problem in _identities.Problems)
        {
            Log.SignerIdentityProblem(_logger, problem);
        }
    }
}
