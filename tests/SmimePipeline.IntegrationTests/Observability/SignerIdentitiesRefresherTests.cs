using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Cli;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Signing;
using SmimePipeline.Worker.Telemetry;
using Xunit.Abstractions;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// Session 20's audit: the signer's refresh of mounted identities (<c>Signer:IdentitiesPath</c>, a Kubernetes Secret)
/// must never take the signer down, nor lose the identities it has, when the directory vanishes or stops being one after
/// start (an unmounted volume, a rotation gone wrong). Each failed round is one error line naming the directory and the
/// cause (event 1108) and one count of <c>smime.background.failures{service="signer-identities"}</c>, and the next round
/// tries again. Before, only an <see cref="IOException"/> was caught (anything else, e.g. <see cref="UnauthorizedAccessException"/>
/// of a directory that became unreadable, stopped the host), with a line that named neither the directory nor the type,
/// and no metric. A real signer host (in-memory transport: no broker is involved) on real files.
/// </summary>
public sealed class SignerIdentitiesRefresherTests : IClassFixture<DemoPkiFixture>, IDisposable
{
    private readonly DemoPki _pki;
    private readonly TempDirectory _temp = new();
    private readonly RecordingLoggerProvider _logs = new();

    private readonly ITestOutputHelper _output;

    public SignerIdentitiesRefresherTests(DemoPkiFixture fixture, ITestOutputHelper output)
    {
        _pki = fixture.Pki;
        _output = output;
    }

    [Fact]
    public async Task A_vanished_or_replaced_identities_directory_keeps_the_identities_logs_counts_and_does_not_stop_the_signer()
    {
        var root = Path.Combine(_temp.Path, "identities");
        var identity = Path.Combine(root, "sender");
        Directory.CreateDirectory(identity);
        var signerFiles = Path.Combine(_pki.StorePath, "signers", _pki.SenderAddress);
        File.Copy(Directory.GetFiles(signerFiles, "*.crt.pem").Single(), Path.Combine(identity, "tls.crt"));
        File.Copy(Directory.GetFiles(signerFiles, "*.key.pem").Single(), Path.Combine(identity, "tls.key"));

        var failures = new ConcurrentQueue<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SmimeTelemetry.Name && instrument.Name == "smime.background.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "service" && value > 0)
                {
                    failures.Enqueue((string)tag.Value!);
                }
            }
        });
        listener.Start();

        await using var worker = await WorkerHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["SmimePipeline:Roles"] = "Signer",
                ["SmimePipeline:Transport"] = "InMemory",
                ["SmimePipeline:Signer:StorePath"] = _pki.StorePath,
                ["SmimePipeline:Signer:IdentitiesPath"] = root,
                ["SmimePipeline:Signer:IdentitiesRefreshInterval"] = "00:00:01",
            },
            builder => builder.Logging.AddProvider(_logs));
        var lifetime = worker.Services.GetRequiredService<IHostApplicationLifetime>();
        var mounted = worker.Services.GetRequiredService<MountedSignerIdentities>();
        Assert.Single(mounted.Identities);

        // The volume goes away: the directory vanishes.
        var away = root + ".away";
        Directory.Move(root, away);
        await WaitForFailedRoundsAsync(2, lifetime, failures);
        Assert.All(RefreshFailures(), l => Assert.Contains($"Signer identities in {root} could not be read again (DirectoryNotFoundException", l, StringComparison.Ordinal));

        // Something else takes its place, not a directory.
        await File.WriteAllTextAsync(root, "not a directory");
        var before = RefreshFailures().Count;
        await WaitForFailedRoundsAsync(before + 2, lifetime, failures);
        var replaced = RefreshFailures().Skip(before).ToList();
        _output.WriteLine(replaced[0]);
        Assert.All(replaced, l => Assert.Contains($"Signer identities in {root} could not be read again (", l, StringComparison.Ordinal));
        Assert.All(replaced, l => Assert.Matches(@"\(\w+Exception: ", l));

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, $"the signer is stopping:\n{Output()}");
        var kept = Assert.Single(mounted.Identities);
        Assert.Equal(SignerKeyLocation.Mounted, mounted.Find(_pki.SenderAddress)?.KeyLocation);
        Assert.Contains("the 1 identities loaded before stay in use", RefreshFailures()[0], StringComparison.Ordinal);
        Assert.Equal(RefreshFailures().Count, failures.Count(s => s == SignerIdentitiesRefresher.ServiceName));

        // The volume comes back: the rounds succeed again (no failure for three rounds in a row), the identity the same.
        File.Delete(root);
        Directory.Move(away, root);
        await Eventually.HoldsAsync(
            async () =>
            {
                var seen = RefreshFailures().Count;
                await Task.Delay(TimeSpan.FromSeconds(3));
                return RefreshFailures().Count == seen;
            },
            TimeSpan.FromSeconds(60),
            () => $"the refresh still fails after the directory came back:\n{Output()}");
        Assert.Same(kept, Assert.Single(mounted.Identities));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, $"the signer is stopping:\n{Output()}");
    }

    public void Dispose() => _temp.Dispose();

    private async Task WaitForFailedRoundsAsync(int count, IHostApplicationLifetime lifetime, ConcurrentQueue<string> counted) =>
        await Eventually.HoldsAsync(
            () => Task.FromResult(
                (RefreshFailures().Count >= count && counted.Count(s => s == SignerIdentitiesRefresher.ServiceName) >= count)
                || lifetime.ApplicationStopping.IsCancellationRequested),
            TimeSpan.FromSeconds(60),
            () => $"no {count} failed refreshes logged and counted ({counted.Count} counted):\n{Output()}");

    private List<string> RefreshFailures() => [.. _logs.Lines.Where(l => l.Contains("could not be read again", StringComparison.Ordinal))];

    private string Output() => string.Join('\n', _logs.Lines);
}
