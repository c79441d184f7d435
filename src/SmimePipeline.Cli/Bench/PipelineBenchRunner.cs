using System.Collections.Concurrent;
using System.Diagnostics;
using SmimePipeline.Cli.Telemetry;
using SmimePipeline.Client;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>smime bench pipeline</c>: signer and sender roles in this process on a real RabbitMQ, a pickup
/// directory as the ESP; publishes N mails (200 in flight) and measures, per mail, the time from the
/// publish call to the moment its file appears (the file's modification time, written atomically by
/// the pickup transport).
/// </summary>
internal static class PipelineBenchRunner
{
    private const int InFlight = 200;

    public static async Task<PipelineBenchResult> RunAsync(Uri rabbitMq, int messages, BenchMessageSize size, TextWriter progress, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("smime-bench-");
        try
        {
            var pki = DemoPki.EnsureCreated(Path.Combine(root.FullName, "pki"));
            var outbox = Directory.CreateDirectory(Path.Combine(root.FullName, "outbox")).FullName;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["SmimePipeline:Roles"] = "Signer,Sender",
                ["SmimePipeline:Transport"] = "RabbitMq",
                ["SmimePipeline:RabbitMq:Uri"] = rabbitMq.ToString(),
                ["SmimePipeline:Signer:StorePath"] = pki.StorePath,
                ["SmimePipeline:Delivery:Provider"] = "pickup",
                ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
                ["SmimePipeline:ClaimCheck:Directory"] = Path.Combine(root.FullName, "claims"),
            });
            builder.Configuration.AddEnvironmentVariables();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSmimePipelineWorker(builder.Configuration);
            builder.Services.AddSmimePipelineClient();

            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            try
            {
                var telemetry = host.Services.GetRequiredService<SmimeTelemetry>();
                var published = new ConcurrentDictionary<Guid, DateTime>();
                var template = BenchMail.Create(size, pki.SenderAddress, pki.RecipientAddresses[0], Guid.Empty);
                var clock = Stopwatch.StartNew();
                var firstPublish = DateTime.UtcNow;
                var cpu = new MachineCpuTime();
                string sampleTraceId;
                using var sampleTrace = new SampleTrace();
                using (var scope = host.Services.CreateScope())
                {
                    var publisher = scope.ServiceProvider.GetRequiredService<ISmimeMailPublisher>();

                    // The first mail is published inside a span (only it is traced, so tracing costs the
                    // measurement nothing); its trace id finds the whole path in Jaeger or the collector.
                    using (var span = SampleTrace.Start("smime bench publish"))
                    {
                        var first = template with { MailId = Guid.NewGuid() };
                        published[first.MailId] = DateTime.UtcNow;
                        sampleTraceId = span?.TraceId.ToHexString() ?? "(tracing off)";
                        await publisher.ProtectAsync(first, cancellationToken);
                    }

                    var pending = new List<Task>(InFlight);
                    for (int i = 1; i < messages; i++)
                    {
                        var mail = template with { MailId = Guid.NewGuid() };
                        published[mail.MailId] = DateTime.UtcNow;
                        pending.Add(publisher.ProtectAsync(mail, cancellationToken));
                        if (pending.Count == InFlight)
                        {
                            await Task.WhenAll(pending);
                            pending.Clear();
                        }
                    }

                    await Task.WhenAll(pending);
                }

                long lastDone = -1;
                var lastChange = clock.Elapsed;
                while (telemetry.DeliveredTotal + telemetry.FailedTotal < messages)
                {
                    long done = telemetry.DeliveredTotal + telemetry.FailedTotal;
                    if (done != lastDone)
                    {
                        lastDone = done;
                        lastChange = clock.Elapsed;
                    }
                    else if (clock.Elapsed - lastChange > TimeSpan.FromSeconds(60))
                    {
                        progress.WriteLine($"smime bench pipeline: no progress for 60 s at {done}/{messages}; reporting what arrived.");
                        break;
                    }

                    await Task.Delay(50, cancellationToken);
                }

                var processCpu = cpu.ProcessElapsed;
                var machineCpu = cpu.MachineElapsed;
                var latencies = new List<double>(messages);
                var lastFile = firstPublish;
                foreach (var file in Directory.EnumerateFiles(outbox, "*.eml"))
                {
                    if (Guid.TryParseExact(Path.GetFileNameWithoutExtension(file), "N", out var id) && published.TryGetValue(id, out var sent))
                    {
                        var written = File.GetLastWriteTimeUtc(file);
                        latencies.Add((written - sent).TotalMilliseconds);
                        lastFile = written > lastFile ? written : lastFile;
                    }
                }

                latencies.Sort();
                double seconds = Math.Max((lastFile - firstPublish).TotalSeconds, 0.001);
                return new PipelineBenchResult(
                    size.ToString().ToLowerInvariant(),
                    messages,
                    latencies.Count,
                    Math.Round(seconds, 3),
                    Math.Round(latencies.Count / seconds, 1),
                    Math.Round(Percentile(latencies, 0.50), 1),
                    Math.Round(Percentile(latencies, 0.99), 1),
                    Math.Round(latencies.Count == 0 ? 0 : latencies[^1], 1),
                    telemetry.ProtectedTotal,
                    telemetry.FailedTotal,
                    sampleTraceId,
                    Environment.ProcessorCount,
                    Math.Round(processCpu.TotalMilliseconds / messages, 3),
                    machineCpu is { } machine ? Math.Round(machine.TotalMilliseconds / messages, 3) : null);
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static double Percentile(List<double> sorted, double fraction) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(fraction * sorted.Count) - 1)];
}
