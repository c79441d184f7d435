using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// Session 22: a counter's series appears in Prometheus only with its first value, and <c>increase()</c> needs two samples of
/// a series, so a dashboard showed a new series' first count as 0. The series whose label values are known when the worker
/// starts (provider from configuration, retry steps, pause reasons, in-process outcomes, certificate validation reasons, the
/// served webhook endpoints' statuses, refusal reasons and ESP event types) are started at 0: a real worker process, every
/// role, read through its real <c>/metrics</c> before any mail, shows each of them at 0.
/// </summary>
public sealed class CountersStartedAtZeroTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_worker_that_has_seen_no_mail_shows_every_series_known_at_start_at_zero()
    {
        var pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));
        var secret = Path.Combine(_temp.Path, "webhook-secret");
        await File.WriteAllTextAsync(secret, "webhook-secret-0123456789abcdef");
        await using var worker = await WorkerProcess.StartAsync(ProductInstruments.EveryRoleSettings(_temp.Path, pki.StorePath, secret), _temp.Path);

        (string Metric, string[] Labels)[] expected =
        [
            ("smime_mails_delivered_total", ["provider=\"pickup\""]),
            ("smime_sender_configuration_errors_total", ["provider=\"pickup\""]),
            ("smime_sender_duplicates_suppressed_total", ["provider=\"pickup\""]),
            ("smime_sender_accepted_not_recorded_total", ["provider=\"pickup\""]),
            .. Enumerable.Range(1, 5).Select(step => ("smime_delivery_retries_total", new[] { "provider=\"pickup\"", $"attempt=\"{step}\"" })),
            ("smime_sender_paused_total", ["provider=\"pickup\"", "reason=\"Transient\""]),
            ("smime_sender_paused_total", ["provider=\"pickup\"", "reason=\"configuration\""]),
            ("smime_sender_endpoint_control_failures_total", ["operation=\"pause\""]),
            ("smime_sender_endpoint_control_failures_total", ["operation=\"resume\""]),
            .. new[] { "attempted", "large", "breaker-open", "no-place", "refused", "failed" }
                .Select(outcome => ("smime_delivery_in_process_total", new[] { $"outcome=\"{outcome}\"" })),
            .. new[] { "certificate-expired", "chain-not-trusted", "certificate-revoked", "revocation-status-unknown", "key-usage-not-allowed" }
                .Select(reason => ("smime_certificates_validation_failures_total", new[] { $"reason=\"{reason}\"" })),
            ("smime_webhook_requests_total", ["endpoint=\"sparkpost-events\"", "status=\"200\""]),
            ("smime_webhook_requests_total", ["endpoint=\"sparkpost-events\"", "status=\"401\""]),
            ("smime_webhook_requests_total", ["endpoint=\"sparkpost-relay\"", "status=\"200\""]),
            ("smime_webhook_requests_total", ["endpoint=\"raw\"", "status=\"202\""]),
            ("smime_webhook_requests_total", ["endpoint=\"dsn\"", "status=\"422\""]),
            .. new[] { "credentials-missing", "credentials-wrong", "scheme-not-accepted", "secret-unavailable", "batch-id-invalid", "malformed", "too-large", "hand-over-timeout", "hand-over-failed" }
                .Select(reason => ("smime_webhook_refusals_total", new[] { "endpoint=\"sparkpost-events\"", $"reason=\"{reason}\"" })),
            ("smime_webhook_refusals_total", ["endpoint=\"sparkpost-relay\"", "reason=\"hand-over-timeout\""]),
            ("smime_webhook_refusals_total", ["endpoint=\"raw\"", "reason=\"hand-over-timeout\""]),
            ("smime_webhook_refusals_total", ["endpoint=\"dsn\"", "reason=\"hand-over-timeout\""]),
            ("smime_webhook_refusals_total", ["endpoint=\"sparkpost-relay\"", "reason=\"credentials-wrong\""]),
            ("smime_webhook_refusals_total", ["endpoint=\"raw\"", "reason=\"unsupported-media-type\""]),
            ("smime_webhook_refusals_total", ["endpoint=\"dsn\"", "reason=\"unknown-mail-id\""]),
            .. new[] { "claim-sweep", "producer-claim-sweep", "producer-claim-vacuum" }
                .Select(service => ("smime_background_failures_total", new[] { $"service=\"{service}\"" })),
            .. new[] { "delivery", "bounce", "delay", "out_of_band", "policy_rejection", "spam_complaint", "other", "dsn_failed", "dsn_delayed" }
                .Select(type => ("smime_esp_events_total", new[] { $"type=\"{type}\"" })),
        ];

        // Started once the host has started, which /health/ready can answer a moment before.
        List<string> wrong = [];
        await Eventually.HoldsAsync(
            async () =>
            {
                var scrape = await MetricsScrape.TextAsync(worker.BaseAddress);
                wrong = [.. expected
                    .Select(e => (e.Metric, e.Labels, Values: MetricsScrape.Values(scrape, e.Metric, e.Labels)))
                    .Where(e => e.Values is not [0])
                    .Select(e => $"{e.Metric}{{{string.Join(',', e.Labels)}}}: {(e.Values.Count == 0 ? "no series" : string.Join(", ", e.Values))}")];
                return wrong.Count == 0;
            },
            TimeSpan.FromSeconds(30),
            () => $"series not at 0 before any mail:\n{string.Join('\n', wrong)}");
    }
}
