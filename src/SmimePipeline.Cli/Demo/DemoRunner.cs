using System.Diagnostics;
using System.Globalization;
using SmimePipeline.Client;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Demo;

/// <summary>
/// The main job on embedded defaults: demo certificates, signer and sender in this process, N mails
/// through the bus into a pickup directory, and a summary with a command to check one of them.
/// </summary>
internal sealed class DemoRunner(string directory, int messages, Uri? rabbitMq, TextWriter output)
{
    private const int InFlight = 200;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(directory);
        var pki = DemoPki.EnsureCreated(Path.Combine(root, "pki"));
        var outbox = Path.Combine(root, "outbox");
        Directory.CreateDirectory(outbox);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer,Sender",
            ["SmimePipeline:Transport"] = rabbitMq is null ? "InMemory" : "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = rabbitMq?.ToString(),
            ["SmimePipeline:Signer:StorePath"] = pki.StorePath,
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
        });
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSmimePipelineWorker(builder.Configuration);
        builder.Services.AddSmimePipelineClient();

        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        var telemetry = host.Services.GetRequiredService<SmimeTelemetry>();
        var factory = new DemoMailFactory(pki.SenderAddress, pki.EcdsaSenderAddress, pki.RecipientAddresses);

        output.WriteLine($"smime demo: {messages} mails, transport {(rabbitMq is null ? "in-memory" : rabbitMq.Host)}, certificates in {pki.StorePath}");
        var stopwatch = Stopwatch.StartNew();
        Guid sampleMail;
        using (var scope = host.Services.CreateScope())
        {
            var publisher = scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>();
            sampleMail = await PublishAllAsync(publisher, factory, cancellationToken);
        }

        var finished = await WaitForCompletionAsync(telemetry, stopwatch, cancellationToken);
        stopwatch.Stop();
        await host.StopAsync(CancellationToken.None);

        var delivered = telemetry.DeliveredTotal;
        var failed = telemetry.FailedTotal;
        var rate = delivered / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);
        var sample = Path.Combine(outbox, $"{sampleMail:N}.eml");
        output.WriteLine();
        output.WriteLine($"  published   {messages}");
        output.WriteLine($"  delivered   {delivered}");
        output.WriteLine($"  failed      {failed}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  elapsed     {stopwatch.Elapsed.TotalSeconds:F1} s ({rate:F0} mails/s)"));
        output.WriteLine($"  outbox      {outbox}");
        output.WriteLine();
        output.WriteLine($"Decrypt and verify one of them (as {factory.FirstRecipient}) with OpenSSL:");
        output.WriteLine();
        output.WriteLine(
            $"  openssl cms -decrypt -recip '{pki.CertificatePath(factory.FirstRecipient)}' -inkey '{pki.KeyPath(factory.FirstRecipient)}' -in '{sample}' \\");
        output.WriteLine($"    | openssl cms -verify -CAfile '{pki.CaCertificatePath}'");
        output.WriteLine();
        return finished && failed == 0 && delivered >= messages ? 0 : 1;
    }

    private async Task<Guid> PublishAllAsync(ISmimeMailPublisher publisher, DemoMailFactory factory, CancellationToken cancellationToken)
    {
        var sample = Guid.Empty;
        var pending = new List<Task>(InFlight);
        for (var i = 0; i < messages; i++)
        {
            var mail = factory.Create(i);
            if (i == 0)
            {
                sample = mail.MailId;
            }

            pending.Add(publisher.ProtectAsync(mail, cancellationToken));
            if (pending.Count == InFlight)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        return sample;
    }

    private async Task<bool> WaitForCompletionAsync(SmimeTelemetry telemetry, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsOutputRedirected;
        var lastReport = TimeSpan.Zero;
        var lastProgress = -1L;
        var lastChange = stopwatch.Elapsed;
        while (true)
        {
            var delivered = telemetry.DeliveredTotal;
            var failed = telemetry.FailedTotal;
            var done = delivered + failed;
            if (done != lastProgress)
            {
                lastProgress = done;
                lastChange = stopwatch.Elapsed;
            }

            if (interactive || stopwatch.Elapsed - lastReport >= TimeSpan.FromSeconds(5) || done >= messages)
            {
                lastReport = stopwatch.Elapsed;
                var line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"  protected {telemetry.ProtectedTotal,7}/{messages}  delivered {delivered,7}/{messages}  failed {failed}  ({stopwatch.Elapsed.TotalSeconds:F1} s)");
                if (interactive)
                {
                    output.Write($"\r{line}");
                }
                else
                {
                    output.WriteLine(line);
                }
            }

            if (done >= messages)
            {
                return true;
            }

            // A stuck pipeline (e.g. the broker went away) must not hang the demo forever.
            if (stopwatch.Elapsed - lastChange > TimeSpan.FromSeconds(60))
            {
                output.WriteLine();
                output.WriteLine("smime demo: no progress for 60 s; stopping.");
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
