using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmimePipeline.Client;
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
        await using var worker = await WorkerProcess.StartAsync(
            new Dictionary<string, string?>
            {
                ["SmimePipeline__Roles"] = "Signer,Sender",
                ["SmimePipeline__Transport"] = "RabbitMq",
                ["SmimePipeline__RabbitMq__Uri"] = VirtualHost.AmqpUri.ToString(),
                ["SmimePipeline__RabbitMq__ManagementUri"] = TestServices.RabbitMqManagementUri.ToString(),
                ["SmimePipeline__Signer__StorePath"] = Pki.StorePath,
                ["SmimePipeline__Delivery__Provider"] = "pickup",
                ["SmimePipeline__Delivery__Pickup__Directory"] = outbox,
            },
            Temp.Path);

        var bus = await StartProducerAsync();
        try
        {
            var publisher = new SmimeMailPublisher(bus);
            for (var i = 0; i < good; i++)
            {
                await publisher.ProtectAsync(TestMails.Create(i, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses));
            }

            // One refusal, so the dead-letter counter exists too.
            await publisher.ProtectAsync(TestMails.Create(0, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with
            {
                To = [new MailAddress("no-certificate@nowhere.example")],
            });
        }
        finally
        {
            await bus.StopAsync();
        }

        await Eventually.HoldsAsync(
            async () => Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length == good && await VirtualHost.CountMessagesAsync("smime-protect_error") == 1,
            TimeSpan.FromSeconds(90),
            () => $"the worker did not finish: {(Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0)} delivered\n{worker.Output}");

        await using var prometheus = await PrometheusServer.StartAsync(Temp.Path, worker.HttpPort);
        await Eventually.HoldsAsync(
            async () => await prometheus.QueryScalarAsync("sum(smime_mails_protected_total)") == good,
            TimeSpan.FromSeconds(60),
            () => "Prometheus never reported the protected-mail counter at the number of mails sent");
        Assert.Equal(good, await prometheus.QueryScalarAsync("sum(smime_mails_delivered_total)"));
        Assert.Equal(1, await prometheus.QueryScalarAsync("sum(smime_dead_letters_total{stage=\"protect\"})"));

        using var http = new HttpClient();
        var dashboard = await File.ReadAllTextAsync(RepositoryPaths.Of("deploy", "grafana", "dashboards", "smime-pipeline.json"));
        var rules = await File.ReadAllTextAsync(RepositoryPaths.Of("deploy", "prometheus", "smime-alerts.rules.yml"));
        var queried = MetricName().Matches(dashboard + rules).Select(m => m.Value).Distinct().ToList();
        Assert.NotEmpty(queried);
        var missing = queried;
        await Eventually.HoldsAsync(
            async () =>
            {
                // Gauges fed by pollers (queue depth) appear a few seconds after start.
                var scrape = await http.GetStringAsync(new Uri(worker.BaseAddress, "metrics"));
                missing = queried.Where(name => !Regex.IsMatch(scrape, $"^{name}[{{ ]", RegexOptions.Multiline)).ToList();
                return missing.Count == 0;
            },
            TimeSpan.FromSeconds(30),
            () => $"queried but not exported by the worker: {string.Join(", ", missing)}");
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
            var port = SmtpSinkServer.FreeLoopbackPort();
            var start = new ProcessStartInfo("prometheus") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}" })
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
