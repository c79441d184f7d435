using System.Diagnostics;
using System.Globalization;
using MassTransit;
using SmimePipeline.Cli.Telemetry;
using SmimePipeline.Client;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Cli.Demo;

/// <summary>
/// The main job on embedded defaults: demo certificates, signer and sender in this process (or
/// workers elsewhere on the same RabbitMQ), N varied mails, progress from the pipeline's own events,
/// and a summary with a command to check one of the mails.
/// </summary>
internal sealed class DemoRunner(string directory, int messages, Uri? rabbitMq, DemoWorkers workers, TextWriter output)
{
    private const int InFlight = 200;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(directory);
        var pki = DemoPki.EnsureCreated(Path.Combine(root, "pki"));
        var outbox = Path.Combine(root, "outbox");
        Directory.CreateDirectory(outbox);

        // Only the first mail is traced: its trace id is printed, the other mails cost no tracing.
        using var sampleTrace = new SampleTrace();

        using var host = BuildHost(pki, outbox);
        await host.StartAsync(cancellationToken);
        var progress = host.Services.GetRequiredService<DemoProgress>();
        var factory = new DemoMailFactory(pki.SenderAddress, pki.EcdsaSenderAddress, pki.RecipientAddresses);

        var transport = rabbitMq is null ? "in-memory" : $"RabbitMQ at {rabbitMq.Host}:{rabbitMq.Port}";
        output.WriteLine($"smime demo: {messages} mails, transport {transport}, workers {(workers == DemoWorkers.External ? "external" : "in this process")}");
        output.WriteLine($"            certificates in {pki.StorePath}");
        var stopwatch = Stopwatch.StartNew();
        (Guid Id, string TraceId) sample;
        using (var scope = host.Services.CreateScope())
        {
            sample = await PublishAllAsync(scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>(), factory, progress, cancellationToken);
        }

        var finished = await WaitForCompletionAsync(progress, stopwatch, cancellationToken);
        stopwatch.Stop();
        await host.StopAsync(CancellationToken.None);

        var rate = progress.DeliveredCount / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001);
        output.WriteLine();
        output.WriteLine($"  published   {messages}");
        output.WriteLine($"  protected   {progress.ProtectedCount}");
        output.WriteLine($"  delivered   {progress.DeliveredCount}");
        output.WriteLine($"  failed      {progress.FailedCount}");
        foreach (var reason in progress.FailureReasons)
        {
            output.WriteLine($"              {reason}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  elapsed     {stopwatch.Elapsed.TotalSeconds:F1} s ({rate:F0} mails/s)"));
        output.WriteLine($"  trace id    {sample.TraceId} (mail {sample.Id:D})");
        if (workers == DemoWorkers.External)
        {
            output.WriteLine("  outbox      the external workers' ESP (e.g. Mailpit in the docker-compose stack)");
            output.WriteLine();
        }
        else
        {
            var sampleFile = Path.Combine(outbox, $"{sample.Id:N}.eml");
            output.WriteLine($"  outbox      {outbox}");
            output.WriteLine();
            output.WriteLine($"Decrypt and verify one of them (as {factory.FirstRecipient}) with OpenSSL:");
            output.WriteLine();
            output.WriteLine(
                $"  openssl cms -decrypt -recip '{pki.CertificatePath(factory.FirstRecipient)}' -inkey '{pki.KeyPath(factory.FirstRecipient)}' -in '{sampleFile}' \\");
            output.WriteLine($"    | openssl cms -verify -CAfile '{pki.CaCertificatePath}'");
            output.WriteLine();
        }

        return finished && progress.FailedCount == 0 && progress.DeliveredCount >= messages ? 0 : 1;
    }

    private IHost BuildHost(DemoPki pki, string outbox)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        CliTelemetry.AddTo(builder);
        builder.Services.AddSingleton<DemoProgress>();
        builder.Services.AddSmimePipelineClient();
        void AddOutcomeConsumer(IBusRegistrationConfigurator bus) =>
            bus.AddConsumer<DemoOutcomeConsumer>().Endpoint(e => e.Temporary = true);

        if (workers == DemoWorkers.External)
        {
            var broker = rabbitMq ?? throw new InvalidOperationException("--workers external needs --rabbitmq.");
            builder.Services.AddMassTransit(bus =>
            {
                AddOutcomeConsumer(bus);
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(broker);
                    cfg.ConfigureEndpoints(context);
                });
            });
            return builder.Build();
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer,Sender",
            ["SmimePipeline:Transport"] = rabbitMq is null ? "InMemory" : "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = rabbitMq?.ToString(),
            ["SmimePipeline:Signer:StorePath"] = pki.StorePath,
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = Path.Combine(Path.GetDirectoryName(outbox)!, "delivery-ledger.db"),
        });
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddSmimePipelineWorker(builder.Configuration, AddOutcomeConsumer);
        return builder.Build();
    }

    private async Task<(Guid Id, string TraceId)> PublishAllAsync(
        ISmimeMailPublisher publisher, DemoMailFactory factory, DemoProgress progress, CancellationToken cancellationToken)
    {
        var first = factory.Create(0);
        progress.Published(first.MailId);
        string traceId;
        using (var activity = SampleTrace.Start("smime demo publish"))
        {
            traceId = activity?.TraceId.ToHexString() ?? "(tracing off)";
            await publisher.ProtectAsync(first, cancellationToken);
        }

        var pending = new List<Task>(InFlight);
        for (var i = 1; i < messages; i++)
        {
            var mail = factory.Create(i);
            progress.Published(mail.MailId);
            pending.Add(publisher.ProtectAsync(mail, cancellationToken));
            if (pending.Count == InFlight)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        return (first.MailId, traceId);
    }

    private async Task<bool> WaitForCompletionAsync(DemoProgress progress, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var interactive = !Console.IsOutputRedirected;
        var lastReport = TimeSpan.Zero;
        var lastDone = -1;
        var lastChange = stopwatch.Elapsed;
        while (true)
        {
            var done = progress.DeliveredCount + progress.FailedCount;
            if (done != lastDone)
            {
                lastDone = done;
                lastChange = stopwatch.Elapsed;
            }

            if (interactive || stopwatch.Elapsed - lastReport >= TimeSpan.FromSeconds(5) || done >= messages)
            {
                lastReport = stopwatch.Elapsed;
                var line = string.Create(
                    CultureInfo.InvariantCulture,
                    $"  protected {progress.ProtectedCount,7}/{messages}  delivered {progress.DeliveredCount,7}/{messages}  failed {progress.FailedCount}  ({stopwatch.Elapsed.TotalSeconds:F1} s)");
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

            // A stuck pipeline (the broker went away, no workers listening) must not hang the demo forever.
            if (stopwatch.Elapsed - lastChange > TimeSpan.FromSeconds(60))
            {
                output.WriteLine();
                output.WriteLine("smime demo: no progress for 60 s; stopping. Are the workers running and connected to the same broker?");
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }
}
