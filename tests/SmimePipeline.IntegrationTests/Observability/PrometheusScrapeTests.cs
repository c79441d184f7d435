using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// Debian's Prometheus server scrapes the real worker process; its HTTP API must count exactly the
/// mails sent through, and every metric the dashboard and the alert rules query must be in the scrape.
/// </summary>
public sealed partial class PrometheusScrapeTests : BrokerTest
{
    [Fact]
    public async Task Prometheus_counts_the_mails_sent_through_and_the_dashboard_queries_only_exported_metrics()
    {
        const int good = 20;
        var outbox = Path.Combine(Temp.Path, "outbox");
        var rawTokenFile = Path.Combine(Temp.Path, "raw-token");
        await File.WriteAllTextAsync(rawTokenFile, RawToken);
        var eventsPasswordFile = Path.Combine(Temp.Path, "events-password");
        await File.WriteAllTextAsync(eventsPasswordFile, EventsPassword);
        await using var worker = await WorkerProcess.StartAsync(
            new Dictionary<string, string?>
            {
                // The webhooks role too, so that the return path's counters (events, bounces, harvests,
                // webhook requests) the dashboard queries are in the same scrape.
                ["SmimePipeline__Roles"] = "Signer,Sender,Webhooks",
                ["SmimePipeline__Webhooks__RawTokenFile"] = rawTokenFile,
                ["SmimePipeline__Webhooks__EventsUserName"] = "sparkpost",
                ["SmimePipeline__Webhooks__EventsPasswordFile"] = eventsPasswordFile,
                ["SmimePipeline__Delivery__Ledger__SqlitePath"] = Path.Combine(Temp.Path, "delivery-ledger.db"),
                ["SmimePipeline__Transport"] = "RabbitMq",
                ["SmimePipeline__RabbitMq__Uri"] = VirtualHost.AmqpUri.ToString(),
                ["SmimePipeline__RabbitMq__ManagementUri"] = TestServices.RabbitMqManagementUri.ToString(),
                ["SmimePipeline__Signer__StorePath"] = Pki.StorePath,
                ["SmimePipeline__Delivery__Provider"] = "pickup",
                ["SmimePipeline__Delivery__Pickup__Directory"] = outbox,
            },
            Temp.Path);

        // The good mails, then one refusal, so the dead-letter counter exists too.
        var refused = TestMails.Create(0, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with
        {
            To = [new MailAddress("no-certificate@nowhere.example")],
        };
        await PublishAsync(
            [.. Enumerable.Range(0, good).Select(i => TestMails.Create(i, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses)), refused],
            inFlight: 1);

        await Eventually.HoldsAsync(
            async () => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length == good && await VirtualHost.CountMessagesAsync("smime-protect_error") == 1,
            TimeSpan.FromSeconds(90),
            () => $"the worker did not finish: {(Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0)} delivered\n{worker.Output}");

        await FeedTheReturnPathAsync(worker.BaseAddress, Guid.Parse(Path.GetFileNameWithoutExtension(Directory.GetFiles(outbox, "*.eml")[0])));
        await Eventually.HoldsAsync(
            async () => await MetricsScrape.ReadAsync(worker.BaseAddress, "smime_harvests_total", "outcome", "dkim-missing") == 1,
            TimeSpan.FromSeconds(90),
            () => $"the unsigned inbound mail was not refused as dkim-missing\n{worker.Output}");

        await using var prometheus = await PrometheusServer.StartAsync(Temp.Path, worker.HttpPort);
        await Eventually.HoldsAsync(
            async () => await prometheus.QueryScalarAsync("sum(smime_mails_protected_total)") == good,
            TimeSpan.FromSeconds(60),
            () => "Prometheus never reported the protected-mail counter at the number of mails sent");
        Assert.Equal(good, await prometheus.QueryScalarAsync("sum(smime_mails_delivered_total)"));
        Assert.Equal(1, await prometheus.QueryScalarAsync("sum(smime_dead_letters_total{stage=\"protect\"})"));
        Assert.Equal(1, await prometheus.QueryScalarAsync("sum(smime_esp_bounces_total{class=\"10\"})"));
        Assert.Equal(1, await prometheus.QueryScalarAsync("sum(smime_esp_events_total{type=\"delivery\"})"));

        using var http = new HttpClient();
        var dashboard = await File.ReadAllTextAsync(ObservabilityFiles.Dashboard);
        var rules = await File.ReadAllTextAsync(ObservabilityFiles.AlertRules);
        var queried = MetricName().Matches(dashboard + rules).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(queried);
        // Since session 21 the dashboard and the alerts also query instruments this run never gives a value (a ledger
        // record given up, a claim store retry, a suppressed duplicate), and a counter appears in the scrape only with its
        // first value: a name in the dashboard or the alerts that is missing here must be the exporter's name of one of the
        // product's instruments, its family or one of its series (ProductInstruments: the worker's registration in this
        // process, every instrument given a value, its exporter scraped). MetricCoverageTests holds every query to that list.
        var exported = (await ProductInstruments.AllAsync()).SelectMany(i => i.SeriesNames.Append(i.PrometheusName)).ToHashSet(StringComparer.Ordinal);
        var missing = queried;
        await Eventually.HoldsAsync(
            async () =>
            {
                // Gauges fed by pollers (queue depth) appear a few seconds after start.
                var scrape = await http.GetStringAsync(new Uri(worker.BaseAddress, "metrics"));
                missing = queried.Where(name => !Regex.IsMatch(scrape, $"^{name}[{{ ]", RegexOptions.Multiline) && !exported.Contains(name)).ToList();
                return missing.Count == 0;
            },
            TimeSpan.FromSeconds(30),
            () => $"queried but neither exported by the worker nor the name of an instrument of the product: {string.Join(", ", missing)}");
    }

    private const string RawToken = "raw-token-0123456789abcdef";
    private const string EventsPassword = "events-password-0123456789";

    /// <summary>
    /// One unsigned mail through the raw endpoint (refused by the signer's harvest as dkim-missing) and one
    /// SparkPost event batch (delivery, hard bounce, an open) about a mail that went out, so every return-path
    /// counter exists.
    /// </summary>
    private static async Task FeedTheReturnPathAsync(Uri worker, Guid mailId)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        using (var raw = new HttpRequestMessage(HttpMethod.Post, new Uri(worker, "webhooks/raw")))
        {
            raw.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RawToken);
            raw.Content = new StringContent(
                "From: someone@customer.example\r\nTo: certs@bank.example\r\nSubject: my certificate\r\nMessage-ID: <scrape@customer.example>\r\n\r\nNo signature here.\r\n");
            raw.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("message/rfc822");
            using var answer = await http.SendAsync(raw);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.StatusCode);
        }

        var transmission = new SmimePipeline.Testing.SparkPost.RecordedTransmission(mailId.ToString("D"), null, null, "", DateTimeOffset.UtcNow, 200, "7000000000000001");
        var at = DateTimeOffset.UtcNow.AddSeconds(-10);
        var batch = SmimePipeline.Testing.SparkPost.EventBatch.Create(
            SmimePipeline.Testing.SparkPost.EventBatch.Delivery(transmission, "alice@customer.example", at),
            SmimePipeline.Testing.SparkPost.EventBatch.Bounce(transmission, "bob@customer.example", at.AddSeconds(1), 10, "550 5.1.1 user unknown"),
            SmimePipeline.Testing.SparkPost.EventBatch.Open(transmission, "alice@customer.example", at.AddSeconds(2)));
        var basic = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"sparkpost:{EventsPassword}")));
        using var events = await SmimePipeline.Testing.SparkPost.SparkPostFake.PostEventBatchAsync(new Uri(worker, "webhooks/sparkpost/events"), "scrape-batch-1", basic, batch);
        Assert.Equal(System.Net.HttpStatusCode.OK, events.StatusCode);
    }

    [GeneratedRegex(@"\bsmime_[a-z0-9_]+")]
    private static partial Regex MetricName();

    /// <summary>Debian's prometheus server on a free loopback port, scraping one target every second.</summary>
    private sealed class PrometheusServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http;

        private PrometheusServer(Process process, int port)
        {
            _process = process;
            _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        }

        public static async Task<PrometheusServer> StartAsync(string directory, int targetPort)
        {
            var config = Path.Combine(directory, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: smime-worker
                    static_configs:
                      - targets: ['127.0.0.1:{targetPort}']
                """);
            var start = new ProcessStartInfo("prometheus") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "tsdb")}", "--web.listen-address=127.0.0.1:0" })
            {
                start.ArgumentList.Add(arg);
            }

            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("prometheus (Debian package prometheus) is not installed: run the tests through scripts/test.sh.", e);
            }

            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            // Port 0: prometheus binds a port the kernel picks (no other process can take it first); read it back.
            var port = await LoopbackPorts.WaitForListeningTcpPortAsync(process, TimeSpan.FromSeconds(60), "prometheus");
            var server = new PrometheusServer(process, port);
            await Eventually.HoldsAsync(server.IsReadyAsync, TimeSpan.FromSeconds(60), () => "prometheus did not become ready");
            return server;
        }

        public async Task<double?> QueryScalarAsync(string query)
        {
            using var response = await _http.GetAsync($"api/v1/query?query={Uri.EscapeDataString(query)}");
            response.EnsureSuccessStatusCode();
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var result = json.RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0
                ? null
                : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            _http.Dispose();
        }

        private async Task<bool> IsReadyAsync()
        {
            try
            {
                using var response = await _http.GetAsync("-/ready");
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
    }
}
