using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// Issue 15: a mail published from the shell is one trace from the CLI's publish span to the ESP. <c>smime publish</c>
/// and a worker process, both configured only by the standard <c>OTEL_*</c> variables, export to an OTLP receiver
/// in the test; each of three mails gives one trace holding the CLI's root span and the worker's spans.
/// </summary>
public sealed class PublishTraceTests : BrokerTest
{
    private const string WorkerService = "smime-worker-trace-test";

    [Fact]
    public async Task Three_published_mails_are_three_traces_from_the_cli_publish_span_to_the_esp()
    {
        await using var receiver = await OtlpTraceReceiver.StartAsync();
        var otel = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "500",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "600000",
        };
        var outbox = Path.Combine(Temp.Path, "outbox");
        var worker = WorkerSettings("Signer,Sender", outbox, ("SmimePipeline:Signer:StorePath", Pki.StorePath), ("OTEL_SERVICE_NAME", WorkerService));
        foreach (var (name, value) in otel)
        {
            worker[name] = value;
        }

        await using var process = await WorkerProcess.StartAsync(worker, Temp.Path);
        var files = Enumerable.Range(0, 3).Select(i =>
        {
            var path = Path.Combine(Temp.Path, $"traced-{i}.eml");
            File.WriteAllText(path,
                $"From: <{Pki.SenderAddress}>\r\nTo: <{Pki.RecipientAddresses[0]}>\r\nSubject: Traced {i}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n" +
                $"Message-ID: <{Guid.NewGuid():N}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTraced mail {i}.\r\n");
            return path;
        }).ToList();

        var published = await SmimeCli.RunAsync(["publish", .. files, "--rabbitmq", VirtualHost.AmqpUri.ToString()], otel);

        Assert.True(published.ExitCode == 0, published.Describe());
        await Eventually.HoldsAsync(
            () => Task.FromResult(CompleteTraces(receiver.Spans).Count == 3),
            TimeSpan.FromMinutes(2),
            () => $"{CompleteTraces(receiver.Spans).Count} of 3 complete traces; spans received: " +
                  string.Join(", ", receiver.Spans.Select(s => $"{s.Service}/{s.Name}/{s.TraceId[..8]}")));

        var roots = receiver.Spans.Where(s => s.Service == "smime-cli" && s.Name == "smime publish").ToList();
        Assert.Equal(3, roots.Count);
        Assert.Equal(3, roots.Select(r => r.TraceId).Distinct().Count());
        Assert.All(roots, r => Assert.True(r.ParentSpanId.Length == 0 || r.ParentSpanId.Trim('0').Length == 0, "The CLI's publish span must be the root of its trace."));
    }

    /// <summary>Traces holding the CLI's publish span and the worker's protect and deliver spans.</summary>
    private static List<string> CompleteTraces(IReadOnlyList<ReceivedSpan> spans) =>
        spans.GroupBy(s => s.TraceId)
            .Where(t => t.Any(s => s.Service == "smime-cli" && s.Name == "smime publish")
                && t.Any(s => s.Service == WorkerService && s.Name == "smime protect")
                && t.Any(s => s.Service == WorkerService && s.Name == "smime deliver"))
            .Select(t => t.Key)
            .ToList();
}
