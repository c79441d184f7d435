using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Tests.Signing;

public sealed class SignerExpiryGaugeTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smime-gauge-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Each_signer_identity_reports_its_days_to_expiry()
    {
        var pki = DemoPki.EnsureCreated(_directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer",
            ["SmimePipeline:Signer:StorePath"] = pki.StorePath,
        });
        builder.Services.AddSmimePipelineWorker(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();

        var measurements = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SmimeTelemetry.Name && instrument.Name == "smime.signer.certificate.days_to_expiry")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "identity")
                {
                    measurements[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        await host.StopAsync();

        // DemoPki certificates are valid for two years from their creation.
        Assert.InRange(measurements[pki.SenderAddress], 700, 731);
        Assert.InRange(measurements[pki.EcdsaSenderAddress], 700, 731);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
