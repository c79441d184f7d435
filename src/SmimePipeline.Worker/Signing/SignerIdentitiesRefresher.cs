using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Polls the mounted signer identities for changes (Secret rotation swaps a symlink, which file watchers
/// miss) and logs identities that cannot be loaded.
/// </summary>
public sealed class SignerIdentitiesRefresher : BackgroundService
{
    private readonly MountedSignerIdentities _identities;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger<SignerIdentitiesRefresher> _logger;

    public SignerIdentitiesRefresher(MountedSignerIdentities identities, TimeSpan interval, TimeProvider time, ILogger<SignerIdentitiesRefresher> logger)
    {
        ArgumentNullException.ThrowIfNull(identities);
        _identities = identities;
        _interval = interval;
        _time = time;
        _logger = logger;
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
