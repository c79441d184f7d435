using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// Session 21: a metric nobody watches is not visible to an operator. Every instrument the product really creates
/// (<see cref="ProductInstruments"/>: found by a <c>MeterListener</c> on the worker's own registration, named by its real
/// Prometheus exporter) has a panel on <c>helm/smime-pipeline/files/grafana/smime-pipeline.json</c>; every failure counter is in
/// an alert of <c>helm/smime-pipeline/files/prometheus/smime-alerts.rules.yml</c>, and every other instrument says here why it is not; the
/// dashboard and the alerts query nothing else. A new instrument fails these tests until it has a panel and a decision.
/// </summary>
public sealed partial class MetricCoverageTests
{
    /// <summary>Instruments that signal a failure or a state an operator must act on, and the alerts that watch them.</summary>
    private static readonly Dictionary<string, string[]> Alerted = new(StringComparer.Ordinal)
    {
        ["smime.dead_letters"] = ["SmimeDeadLetters"],
        ["smime.background.failures"] = ["SmimeBackgroundLoopFailing", "SmimeBackgroundSweepFailing"],
        ["smime.sender.accepted_not_recorded"] = ["SmimeAcceptedNotRecorded"],
        ["smime.sender.configuration_errors"] = ["SmimeEspConfigurationError"],
        ["smime.sender.endpoint_control_failures"] = ["SmimeSenderEndpointControlStuck"],
        ["smime.sender.breaker_open"] = ["SmimeEspBreakerOpen", "SmimeEspBreakerFlapping"],
        ["smime.delivery.retries"] = ["SmimeDeliveryRetriesHigh"],
        // Only revocation-status-unknown is ours to fix (CRL or OCSP out of reach); the other reasons are a recipient's
        // certificate (expired, revoked, an untrusted CA), whose mail SmimeDeadLetters reports.
        ["smime.certificates.validation_failures"] = ["SmimeCertificateRevocationUnknown"],
        ["smime.producer_claims.store_retries"] = ["SmimeProducerClaimStoreUnavailable"],
        ["smime.queue.messages"] = ["SmimeProtectBacklog", "SmimeDeliverBacklog", "SmimeProtectQueueGrowing"],
        ["smime.signer.certificate.days_to_expiry"] = ["SmimeSignerCertificateExpiresSoon", "SmimeSignerCertificateExpired"],
        // Session 22: refused credentials with nothing accepted (a stranger's refusals beside accepted batches do not fire),
        // and SparkPost mail with no event batch taken for an hour.
        ["smime.webhook.refusals"] = ["SmimeWebhookCredentialsRefused"],
        ["smime.webhook.requests"] = ["SmimeWebhookCredentialsRefused", "SmimeEspEventsSilent"],
    };

    /// <summary>Instruments no alert watches, and why: each is information, or its failure is alerted through another.</summary>
    private static readonly Dictionary<string, string> NotAlerted = new(StringComparer.Ordinal)
    {
        ["smime.mails.protected"] = "throughput; a signer that stops shows as a growing smime-protect (SmimeProtectBacklog, SmimeProtectQueueGrowing)",
        ["smime.mails.delivered"] = "throughput; the denominator of SmimeDeliveryRetriesHigh and the mail SmimeEspEventsSilent expects events of, a stop shows as SmimeDeliverBacklog",
        ["smime.protect.duration"] = "latency without a service-level objective; what it costs shows as the protect backlog",
        ["smime.delivery.duration"] = "the ESP's latency; slow answers show as the deliver backlog and timeouts as retries",
        ["smime.sender.paused"] = "each pause is the breaker's (SmimeEspBreakerOpen, SmimeEspBreakerFlapping on smime.sender.breaker_open) or a configuration error's (SmimeEspConfigurationError)",
        ["smime.sender.duplicates_suppressed"] = "the delivery ledger doing its job after a redelivery: no mail was sent twice",
        ["smime.sender.accepted_record_lag"] = "the ledger's latency; a record that fails for good is smime.sender.accepted_not_recorded, which pages",
        ["smime.delivery.in_process"] = "where a mail's first delivery attempt was made: routing, not failure",
        ["smime.harvests"] = "refusals are about inbound mail from others (unsigned, DKIM failing, untrusted chains), not our service",
        ["smime.webhook.entries"] = "entries dropped from a batch are the sender's data (unknown mails, malformed entries), answered and counted",
        ["smime.esp.events"] = "what happened to mail after the ESP: recipients' mailboxes, not our service",
        ["smime.esp.bounces"] = "recipients' mailboxes (unknown user, full); the ESP's own suppression list acts on them",
    };

    [Fact]
    public async Task Every_instrument_of_the_product_has_a_panel_on_the_dashboard()
    {
        var instruments = await ProductInstruments.AllAsync();
        var panels = DashboardExpressions();

        var without = instruments.Where(i => !panels.Any(e => Queries(e, i))).Select(i => $"{i.Name} ({i.PrometheusName})").ToList();

        Assert.True(without.Count == 0, $"instruments without a panel on the dashboard: {string.Join(", ", without)}");
    }

    [Fact]
    public async Task Every_failure_counter_is_in_an_alert_and_every_other_instrument_says_why_not()
    {
        var instruments = await ProductInstruments.AllAsync();
        var names = instruments.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var alerts = AlertExpressions();

        var undecided = names.Where(n => Alerted.ContainsKey(n) == NotAlerted.ContainsKey(n)).ToList();
        Assert.True(undecided.Count == 0, $"instruments neither alerted nor said why not (or both): {string.Join(", ", undecided)}");
        var stale = Alerted.Keys.Concat(NotAlerted.Keys).Where(n => !names.Contains(n)).ToList();
        Assert.True(stale.Count == 0, $"decisions about instruments the product does not create: {string.Join(", ", stale)}");
        var failureLike = names.Where(n => FailureLike().IsMatch(n) && !Alerted.ContainsKey(n)).ToList();
        Assert.True(failureLike.Count == 0, $"failure counters without an alert: {string.Join(", ", failureLike)}");

        var unwatched = new List<string>();
        foreach (var (name, alertNames) in Alerted)
        {
            var instrument = instruments.Single(i => i.Name == name);
            foreach (var alert in alertNames)
            {
                if (!alerts.TryGetValue(alert, out var expression))
                {
                    unwatched.Add($"{name}: alert {alert} is not in smime-alerts.rules.yml");
                }
                else if (!Queries(expression, instrument))
                {
                    unwatched.Add($"{name}: alert {alert} does not query {instrument.PrometheusName}");
                }
            }
        }

        Assert.True(unwatched.Count == 0, string.Join("\n", unwatched));
    }

    [Fact]
    public async Task The_dashboard_and_the_alerts_query_only_series_of_the_product_instruments()
    {
        var instruments = await ProductInstruments.AllAsync();
        var series = instruments.SelectMany(i => i.SeriesNames).ToHashSet(StringComparer.Ordinal);

        var queried = DashboardExpressions().Concat(AlertExpressions().Values)
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Distinct(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(queried);
        var unknown = queried.Where(q => !series.Contains(q)).ToList();
        Assert.True(unknown.Count == 0, $"queried, but no instrument of the product is exported under that name: {string.Join(", ", unknown)}");
    }

    /// <summary>
    /// The names are the exporter's: every counter and histogram, given a value, is in the real scrape under the name the
    /// rules give it (so the rules are right where only they can name an instrument: an observable gauge with nothing to
    /// report).
    /// </summary>
    [Fact]
    public async Task The_exporter_shows_every_recorded_instrument_under_its_rule_name()
    {
        var instruments = await ProductInstruments.AllAsync();

        Assert.Contains(instruments, i => i.Name == "smime.dead_letters" && i.PrometheusName == "smime_dead_letters_total" && i.InScrape);
        Assert.Contains(instruments, i => i.Name == "smime.protect.duration" && i.PrometheusName == "smime_protect_duration_seconds" && i.InScrape);
        var notShown = instruments.Where(i => i.Kind != "gauge" && !i.InScrape).Select(i => $"{i.Name} (expected {i.PrometheusName})").ToList();
        Assert.True(notShown.Count == 0, $"given a value, but not in the scrape under the rules' name: {string.Join(", ", notShown)}");
    }

    /// <summary>
    /// The enumeration reaches every instrument the source creates: each <c>Create…("smime.…")</c> call in <c>src/</c> names
    /// an instrument <see cref="ProductInstruments"/> found, and no call names its instrument other than by a literal (which
    /// this check could not follow). An instrument made by a class the worker's container does not hold fails here.
    /// </summary>
    [Fact]
    public async Task Every_instrument_the_source_creates_is_found()
    {
        var instruments = (await ProductInstruments.AllAsync()).Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var created = new List<string>();
        var calls = 0;
        foreach (var file in Directory.EnumerateFiles(RepositoryPaths.Of("src"), "*.cs", SearchOption.AllDirectories))
        {
            var text = await File.ReadAllTextAsync(file);
            calls += CreateCall().Count(text);
            created.AddRange(CreateCallWithName().Matches(text).Select(m => m.Groups["name"].Value));
        }

        Assert.NotEmpty(created);
        Assert.True(calls == created.Count, $"{calls} instrument creations in src/, {created.Count} of them with a literal name: name every instrument by a literal");
        var missed = created.Where(n => !instruments.Contains(n)).ToList();
        Assert.True(missed.Count == 0, $"created in src/ but not found on the worker's registration: {string.Join(", ", missed)}");
    }

    // Whether a PromQL expression selects one of the instrument's series (a whole name, not a prefix of a longer one).
    private static bool Queries(string expression, ProductInstrument instrument) =>
        MetricName().Matches(expression).Any(m => instrument.SeriesNames.Contains(m.Value));

    private static List<string> DashboardExpressions()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(ObservabilityFiles.Dashboard))!;
        return [.. dashboard["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]?.AsArray() ?? [])
            .Select(t => t!["expr"]!.GetValue<string>())];
    }

    private static Dictionary<string, string> AlertExpressions() =>
        YamlJson.ParseFile(ObservabilityFiles.AlertRules)["groups"]!.AsArray()
            .SelectMany(g => g!["rules"]!.AsArray())
            .ToDictionary(r => r!["alert"]!.GetValue<string>(), r => r!["expr"]!.GetValue<string>(), StringComparer.Ordinal);

    [GeneratedRegex(@"(?<![A-Za-z0-9_:])smime_[a-z0-9_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"failure|error|not_recorded|retries|retry|dead_letter|refus")]
    private static partial Regex FailureLike();

    [GeneratedRegex(@"\.Create(Counter|Histogram|UpDownCounter|Gauge|ObservableCounter|ObservableGauge|ObservableUpDownCounter)\b(<[^>()]*>)?\(")]
    private static partial Regex CreateCall();

    [GeneratedRegex(@"\.Create(Counter|Histogram|UpDownCounter|Gauge|ObservableCounter|ObservableGauge|ObservableUpDownCounter)\b(<[^>()]*>)?\(\s*""(?<name>[^""]+)""")]
    private static partial Regex CreateCallWithName();
}
