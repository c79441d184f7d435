using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// One trace per mail across processes' worth of buses on the real RabbitMQ, with a real SMTP server
/// that is down for the first two attempts; and no body or key material in any log line or span.
/// </summary>
public sealed class TraceAndLogTests : BrokerTest
{
    private static readonly ActivitySource Producer = new("SmimePipeline.IntegrationTests");

    /// <summary>
    /// With MassTransit's spans recorded (the default) the trace is one tree from the producer's span down to each ESP
    /// attempt; with them propagated only (session 20) our spans are still one trace, through the retry queue, and no
    /// MassTransit span is exported. Both through the product's own telemetry registration.
    /// </summary>
    [Theory]
    [InlineData(MassTransitSpans.Recorded)]
    [InlineData(MassTransitSpans.Propagated)]
    public async Task A_mail_retried_twice_then_delivered_is_one_trace_from_producer_to_each_esp_attempt_and_nothing_secret_is_logged(MassTransitSpans massTransitSpans)
    {
        // The exporter adds from its own thread while the test reads under lock (spans): the adds take that lock too.
        var spans = new LockedCollection<Activity>();
        var logs = new RecordingLoggerProvider();
        // The sender's SMTP port refuses connections (bound, not listening: no other process can take it) until the
        // forwarder is pointed at an smtp-sink on a port of its own. The sink starts now, so that pointing the forwarder
        // after the second failure is instant: started there (until session 18), its start on a loaded host could
        // outlast the ladder's 5 s rung, and a third attempt failed too.
        await using var smtpPort = new SwitchableTcpForwarder(targetPort: null);
        await using var smtp = await SmtpSinkServer.StartAsync();

        var tracing = true;
        void Observe(Microsoft.Extensions.Hosting.HostApplicationBuilder builder)
        {
            builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);

            // One tracer provider sees every activity of this process (the buses of both hosts and the
            // producer), like an OpenTelemetry collector sees every process of a deployment: the product's own
            // registration, with an in-memory exporter beside it.
            if (tracing)
            {
                tracing = false;
                builder.Configuration["SmimePipeline:Telemetry:Prometheus"] = "false";
                builder.Configuration["SmimePipeline:Telemetry:MassTransitSpans"] = massTransitSpans.ToString();
                builder.AddSmimePipelineTelemetry("smime-integration-tests", [Producer.Name]);
                builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            }
        }

        await using var signer = await WorkerHost.StartAsync(Settings("Signer", null), Observe);
        // The SMTP server is not there yet: the first attempts fail with a connection error.
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", smtpPort.Port), Observe);
        const string secretBody = "SECRET-BODY-7d1c0e5b-do-not-log";
        var mail = OneRecipientMail() with { TextBody = secretBody };
        var recipient = mail.To[0].Address;
        ActivityTraceId traceId;
        using (var publish = Producer.StartActivity("order service publishes a statement", ActivityKind.Producer))
        {
            traceId = publish!.TraceId;
            await PublishAsync(mail);
        }

        await Eventually.HoldsAsync(
            () => Task.FromResult(DeliverSpans(spans, traceId).Count(s => s.Status == ActivityStatusCode.Error) >= 2),
            TimeSpan.FromSeconds(60),
            () => "the sender did not fail twice against the missing SMTP server");
        smtpPort.TargetPort = smtp.Port;
        await Eventually.HoldsAsync(
            () => Task.FromResult(sender.Telemetry.DeliveredTotal == 1),
            TimeSpan.FromSeconds(60),
            () => "the mail was not delivered once the SMTP server came up");
        // The delivery is counted when the ESP accepts the mail (session 15), before EmailDelivered's confirm: the
        // successful attempt's own span, and its consume's process and receive spans (the receive span last of all), end
        // after that. Wait until that attempt's span has reached the exporter and every span's parent, except the
        // producer's own, has too. (Waiting for the parents alone passed at once while the last attempt's spans were all
        // still open, and the trace then held 2 ESP attempts: seen in session 16.)
        // Propagated, MassTransit's spans are never exported: wait for the successful attempt's span alone.
        bool recorded = massTransitSpans == MassTransitSpans.Recorded;
        await Eventually.HoldsAsync(
            () => Task.FromResult(TraceOf(spans, traceId) is var t
                && DeliverSpans(t, traceId).Any(s => s.Status != ActivityStatusCode.Error)
                && (!recorded || t.Where(s => s.Source.Name != Producer.Name).All(d => t.Any(s => s.SpanId == d.ParentSpanId)))),
            TimeSpan.FromSeconds(60),
            () => "the sender's consume spans never reached the exporter");
        var trace = TraceOf(spans, traceId);

        var names = string.Join(", ", trace.Select(s => $"{s.Source.Name}:{s.DisplayName}"));
        var root = Assert.Single(trace, s => s.Source.Name == Producer.Name);
        var protect = Assert.Single(trace, s => s.DisplayName == "smime protect");
        var deliveries = DeliverSpans(trace, traceId);
        Assert.True(deliveries.Count == 3, $"expected 3 ESP attempts (2 failed, 1 delivered), got {deliveries.Count}: {names}");
        Assert.Equal(2, deliveries.Count(s => s.Status == ActivityStatusCode.Error));
        Assert.Equal("smtp", deliveries[0].GetTagItem("smime.provider"));
        Assert.Equal("aes256-cbc", protect.GetTagItem("smime.content_cipher"));

        var byId = trace.ToDictionary(s => s.SpanId);
        if (recorded)
        {
            // Parent links: every span descends from the producer's span, the protect span from the signer's
            // consume span, each ESP attempt from the sender's consume span of DeliverEmail.
            foreach (var span in trace.Where(s => s != root))
            {
                Assert.True(DescendsFrom(span, root, byId), $"{span.DisplayName} does not descend from the producer span: {names}");
            }
        }
        else
        {
            // Propagated: the same trace id on every span of ours, in signer and sender and across the retry queue, all
            // recorded (the sampled flag travelled through MassTransit's unrecorded activities); no MassTransit span was
            // exported, so the protect span's and each attempt's parent is one that is not in the trace (the gap).
            lock (spans)
            {
                Assert.DoesNotContain(spans, s => s.Source.Name == WorkerTelemetryExtensions.MassTransitSourceName);
            }

            Assert.All(trace, s => Assert.True(s.Recorded, $"{s.DisplayName} was not recorded"));
            Assert.All(deliveries.Append(protect), s => Assert.False(byId.ContainsKey(s.ParentSpanId), $"{s.DisplayName}'s parent was exported: {names}"));
        }

        // Inside the protect span: certificate lookup, signing and encryption, with their attributes.
        var lookup = Assert.Single(trace, s => s.DisplayName == "smime certificate lookup");
        var sign = Assert.Single(trace, s => s.DisplayName == "smime sign");
        var encrypt = Assert.Single(trace, s => s.DisplayName == "smime encrypt");
        Assert.All(new[] { lookup, sign, encrypt }, s => Assert.Equal(protect.SpanId, s.ParentSpanId));
        Assert.Equal("sha256WithRSAEncryption", sign.GetTagItem("smime.signature_algorithm"));
        Assert.Equal(2048, sign.GetTagItem("smime.key_size"));
        Assert.Equal("aes256-cbc", encrypt.GetTagItem("smime.content_cipher"));
        Assert.True((int)encrypt.GetTagItem("smime.plaintext_size")! > 0);

        if (recorded)
        {
            var protectParent = byId[protect.ParentSpanId];
            Assert.Equal(ActivityKind.Consumer, protectParent.Kind);
            Assert.Contains("smime-protect", protectParent.DisplayName, StringComparison.Ordinal);
            foreach (var attempt in deliveries)
            {
                var consume = byId[attempt.ParentSpanId];
                Assert.Equal(ActivityKind.Consumer, consume.Kind);
                Assert.Contains("smime-deliver", consume.DisplayName, StringComparison.Ordinal);
            }
        }

        Assert.Equal(1, signer.Telemetry.ProtectedTotal);
        Assert.Equal(1, sender.Telemetry.DeliveredTotal);

        // Nothing secret in any log line or span attribute: the body, and no line of any private key.
        var keyLines = Directory.GetFiles(Path.Combine(Temp.Path, "pki"), "*.key.pem", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Pki.StorePath, "*.key.pem", SearchOption.AllDirectories))
            .SelectMany(File.ReadAllLines)
            .Where(l => !l.StartsWith("-----", StringComparison.Ordinal) && l.Length >= 40)
            .ToList();
        Assert.NotEmpty(keyLines);
        var texts = logs.Lines.ToList();
        lock (spans)
        {
            texts.AddRange(spans.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.DisplayName).Append(s.StatusDescription ?? "")));
            texts.AddRange(spans.SelectMany(s => s.Events.SelectMany(e => e.Tags.Select(t => $"{t.Key}={t.Value}"))));
        }

        Assert.NotEmpty(logs.Lines);
        foreach (var text in texts)
        {
            Assert.DoesNotContain(secretBody, text, StringComparison.Ordinal);
            foreach (var line in keyLines)
            {
                Assert.DoesNotContain(line, text, StringComparison.Ordinal);
            }
        }
    }

    private static List<Activity> TraceOf(LockedCollection<Activity> spans, ActivityTraceId traceId)
    {
        lock (spans)
        {
            return spans.Where(s => s.TraceId == traceId).ToList();
        }
    }

    private static List<Activity> DeliverSpans(IEnumerable<Activity> spans, ActivityTraceId traceId)
    {
        lock (spans)
        {
            return spans.Where(s => s.TraceId == traceId && s.DisplayName == "smime deliver").OrderBy(s => s.StartTimeUtc).ToList();
        }
    }

    private static bool DescendsFrom(Activity span, Activity root, Dictionary<ActivitySpanId, Activity> byId)
    {
        var current = span;
        for (var depth = 0; depth < 50; depth++)
        {
            if (current.ParentSpanId == root.SpanId)
            {
                return true;
            }

            if (!byId.TryGetValue(current.ParentSpanId, out var parent))
            {
                return false;
            }

            current = parent;
        }

        return false;
    }

    private Dictionary<string, string?> Settings(string role, int? smtpPort) => WorkerSettings(
        role,
        Path.Combine(Temp.Path, "unused-outbox"),
        ("SmimePipeline:Delivery:Provider", "smtp"),
        ("SmimePipeline:Delivery:Smtp:Host", "127.0.0.1"),
        ("SmimePipeline:Delivery:Smtp:Port", (smtpPort ?? 25).ToString(CultureInfo.InvariantCulture)),
        ("SmimePipeline:Delivery:Smtp:Security", "None"),
        ("SmimePipeline:Delivery:Smtp:Timeout", "00:00:05"),
        // A short ladder (this test's own virtual host): with the default 10s,1m the third attempt came a
        // minute after the second failure, at the edge of the wait for it on a loaded machine.
        ("SmimePipeline:Sender:RetrySchedule", "2s,5s,1m"));
}
