using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// Session 23: the alert rules are compose's (one copy), and some depend on labels that Kubernetes gives differently.
/// SmimeWorkerDown selects compose's scrape jobs (<c>up{job=~"smime-signer|smime-sender|smime-webhooks"}</c>); the
/// webhook alerts select and group by the workers' own <c>endpoint</c> label, the background-loop alerts by their
/// <c>service</c> label. Under the Prometheus Operator a ServiceMonitor's target gets job = the Service's name, and the
/// target labels namespace, service, pod, container and endpoint (the port's name); with honor_labels false a scraped
/// label of the same name is renamed exported_*. So on the naive chart SmimeWorkerDown never fires, nor do the webhook and
/// sweep alerts.
/// <para>
/// Here the series are labelled as the operator labels them: the scrape configuration it generates for the rendered
/// ServiceMonitor (its own relabelling first, then the ServiceMonitor's relabelings, as prometheus-operator's
/// pkg/prometheus/promcfg.go writes it), applied by Prometheus's own code (<c>promtool check service-discovery</c> on static
/// targets carrying the kubernetes_sd meta labels of the rendered Services), and the workers' series merged with those
/// target labels as a scrape with honor_labels false does. Then <c>promtool test rules</c> evaluates the rendered
/// PrometheusRule on them: each alert that depends on such a label must fire with the labels it has in compose.
/// </para>
/// </summary>
public sealed partial class HelmScrapeLabelsTests
{
    private const string Namespace = "smime";

    [Fact]
    public async Task Alerts_on_job_endpoint_and_service_labels_fire_on_series_labelled_as_the_operator_labels_the_charts_targets()
    {
        var documents = await Helm.RenderAsync(
            "--set", "serviceMonitor.enabled=true",
            "--set", "prometheusRule.enabled=true",
            "--set", "webhooks.enabled=true",
            "--set", "webhooks.existingSecret=smime-webhooks");
        using var temp = new TempDirectory();
        var targets = await TargetLabelsAsync(temp, documents);
        Assert.Equal(["sender", "signer", "webhooks"], targets.Keys.Order(StringComparer.Ordinal).ToList());
        await File.WriteAllTextAsync(temp.File("rendered.rules.yml"), RulesWithoutAnnotations(Helm.OneOfKind(documents, "PrometheusRule")).ToJsonString());
        var signer = targets["signer"];

        var tests = new JsonArray
        {
            // A signer that does not answer /metrics: SmimeWorkerDown with the target's labels, job smime-signer.
            Case(
                [
                    Series("up", targets["signer"], [], "0x10"),
                    Series("up", targets["sender"], [], "1x10"),
                    Series("up", targets["webhooks"], [], "1x10"),
                ],
                Expect("5m", "SmimeWorkerDown", new Dictionary<string, string>(signer) { ["severity"] = "critical" })),

            // The event webhook refuses credentials while the relay endpoint accepts its caller's: the alert is the event
            // webhook's (grouped by the workers' endpoint label, not the operator's port name "http").
            Case(
                [
                    Series("smime_webhook_refusals_total", targets["webhooks"], [("endpoint", "sparkpost-events"), ("reason", "credentials-wrong")], "0+3x60"),
                    Series("smime_webhook_requests_total", targets["webhooks"], [("endpoint", "sparkpost-events"), ("status", "200")], "0x60"),
                    Series("smime_webhook_requests_total", targets["webhooks"], [("endpoint", "sparkpost-relay"), ("status", "200")], "0+5x60"),
                ],
                Expect("35m", "SmimeWebhookCredentialsRefused", new() { ["severity"] = "warning", ["endpoint"] = "sparkpost-events" })),

            // SparkPost accepts mail, the event webhook serves but no batch arrives for an hour.
            Case(
                [
                    Series("smime_mails_delivered_total", targets["sender"], [("provider", "sparkpost")], "0+1x150"),
                    Series("smime_webhook_requests_total", targets["webhooks"], [("endpoint", "sparkpost-events"), ("status", "200")], "0x150"),
                ],
                Expect("140m", "SmimeEspEventsSilent", new() { ["severity"] = "warning" })),

            // The hourly claim sweep failed twice (a sweep alert, not a loop alert); the queue-depth loop fails every round.
            Case(
                [
                    Series("smime_background_failures_total", signer, [("service", "claim-sweep")], "0 1x59 2x70"),
                    Series("smime_background_failures_total", signer, [("service", "queue-depth")], "0+12x130"),
                ],
                Expect("120m", "SmimeBackgroundSweepFailing", new() { ["severity"] = "warning", ["instance"] = signer["instance"], ["service"] = "claim-sweep" }),
                Expect("120m", "SmimeBackgroundLoopFailing", new() { ["severity"] = "critical", ["instance"] = signer["instance"], ["service"] = "queue-depth" })),
        };
        var unitTests = new JsonObject
        {
            ["rule_files"] = new JsonArray("rendered.rules.yml"),
            ["evaluation_interval"] = "1m",
            ["tests"] = tests,
        };
        await File.WriteAllTextAsync(temp.File("kubernetes.test.yml"), unitTests.ToJsonString());

        await Promtool.AssertSucceedsAsync(temp.Path, "test", "rules", "kubernetes.test.yml");
    }

    /// <summary>
    /// The labels Prometheus gives each target of the rendered ServiceMonitor (by component), through Prometheus's own
    /// relabelling of the scrape configuration the operator generates.
    /// </summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> TargetLabelsAsync(TempDirectory temp, IReadOnlyList<JsonNode> documents)
    {
        var monitor = Helm.OneOfKind(documents, "ServiceMonitor");
        var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
        var port = endpoint["port"]!.GetValue<string>();
        var selector = monitor["spec"]!["selector"]!["matchLabels"]!.AsObject();
        var jobName = $"serviceMonitor/{Namespace}/{monitor["metadata"]!["name"]!.GetValue<string>()}/0";

        // The operator's own relabelling (pkg/prometheus/promcfg.go, generateServiceMonitorConfig, in its order): keep the
        // selected Services and the port, set namespace, service, pod, container, job = the Service's name, endpoint = the
        // port's name; then the ServiceMonitor's relabelings, their field names in Prometheus's spelling.
        var relabel = new JsonArray();
        foreach (var (name, value) in selector)
        {
            var label = MetaLabelName(name);
            relabel.Add(new JsonObject
            {
                ["action"] = "keep",
                ["source_labels"] = new JsonArray($"__meta_kubernetes_service_label_{label}", $"__meta_kubernetes_service_labelpresent_{label}"),
                ["regex"] = $"({value!.GetValue<string>()});true",
            });
        }

        relabel.Add(new JsonObject { ["action"] = "keep", ["source_labels"] = new JsonArray("__meta_kubernetes_endpoint_port_name"), ["regex"] = port });
        foreach (var (source, target) in new[]
                 {
                     ("__meta_kubernetes_namespace", "namespace"), ("__meta_kubernetes_service_name", "service"),
                     ("__meta_kubernetes_pod_name", "pod"), ("__meta_kubernetes_pod_container_name", "container"),
                     ("__meta_kubernetes_service_name", "job"),
                 })
        {
            relabel.Add(new JsonObject { ["source_labels"] = new JsonArray(source), ["target_label"] = target });
        }

        relabel.Add(new JsonObject { ["target_label"] = "endpoint", ["replacement"] = port });
        foreach (var rule in endpoint["relabelings"]?.AsArray() ?? [])
        {
            relabel.Add(new JsonObject(rule!.AsObject().Select(p => KeyValuePair.Create(
                CamelCaseWord().Replace(p.Key, "_$1").ToLowerInvariant(),
                p.Key == "action" ? (JsonNode?)p.Value!.GetValue<string>().ToLowerInvariant() : p.Value!.DeepClone()))));
        }

        // One static target per rendered Service the ServiceMonitor selects, with the meta labels kubernetes_sd would give it.
        var staticConfigs = new JsonArray();
        foreach (var service in documents.Where(d => d["kind"]!.GetValue<string>() == "Service"))
        {
            var name = service["metadata"]!["name"]!.GetValue<string>();
            var labels = service["metadata"]!["labels"]!.AsObject();
            var component = labels["app.kubernetes.io/component"]!.GetValue<string>();
            var meta = new JsonObject
            {
                ["__meta_kubernetes_namespace"] = Namespace,
                ["__meta_kubernetes_service_name"] = name,
                ["__meta_kubernetes_pod_name"] = $"{name}-7d9f8-x2x4q",
                ["__meta_kubernetes_pod_container_name"] = component,
                ["__meta_kubernetes_endpoint_port_name"] = service["spec"]!["ports"]![0]!["name"]!.GetValue<string>(),
            };
            foreach (var (label, value) in labels)
            {
                meta[$"__meta_kubernetes_service_label_{MetaLabelName(label)}"] = value!.GetValue<string>();
                meta[$"__meta_kubernetes_service_labelpresent_{MetaLabelName(label)}"] = "true";
            }

            staticConfigs.Add(new JsonObject { ["targets"] = new JsonArray($"{component}.pod.{Namespace}:8080"), ["labels"] = meta });
        }

        var config = new JsonObject
        {
            ["scrape_configs"] = new JsonArray(new JsonObject
            {
                ["job_name"] = jobName,
                ["honor_labels"] = false,
                ["static_configs"] = staticConfigs,
                ["relabel_configs"] = relabel,
            }),
        };
        await File.WriteAllTextAsync(temp.File("prometheus.yml"), config.ToJsonString());

        var discovery = await Promtool.AssertSucceedsAsync(temp.Path, "check", "service-discovery", "--timeout=1s", "prometheus.yml", jobName);

        return JsonNode.Parse(discovery.StdoutText)!.AsArray().ToDictionary(
            t => t!["discoveredLabels"]!["__meta_kubernetes_service_label_app_kubernetes_io_component"]!.GetValue<string>(),
            t => t!["labels"]!.AsObject()
                .Where(l => !l.Key.StartsWith("__", StringComparison.Ordinal))
                .ToDictionary(l => l.Key, l => l.Value!.GetValue<string>(), StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    // kubernetes_sd's spelling of a Kubernetes label in a meta label's name (every character not allowed in a label name becomes _).
    private static string MetaLabelName(string label) => InvalidLabelCharacter().Replace(label, "_");

    // The PrometheusRule's rules without their annotations: the alerts' labels are the question here, and promtool compares
    // annotations too (the rules' own unit tests check those).
    private static JsonNode RulesWithoutAnnotations(JsonNode rule)
    {
        var spec = rule["spec"]!.DeepClone();
        foreach (var group in spec["groups"]!.AsArray())
        {
            foreach (var alert in group!["rules"]!.AsArray())
            {
                alert!.AsObject().Remove("annotations");
            }
        }

        return spec;
    }

    // A series as a worker exposes it (`exposed` labels) after the scrape of `target`: with honor_labels false a target
    // label replaces an exposed label of the same name, which is kept as exported_<name>.
    private static JsonObject Series(string metric, IReadOnlyDictionary<string, string> target, (string Name, string Value)[] exposed, string values)
    {
        var labels = exposed.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal);
        foreach (var (name, value) in target)
        {
            if (labels.Remove(name, out var scraped))
            {
                labels[$"exported_{name}"] = scraped;
            }

            labels[name] = value;
        }

        var selector = string.Join(',', labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\""));
        return new JsonObject { ["series"] = $"{metric}{{{selector}}}", ["values"] = values };
    }

    private static JsonObject Expect(string evalTime, string alert, Dictionary<string, string> labels) => new()
    {
        ["eval_time"] = evalTime,
        ["alertname"] = alert,
        ["exp_alerts"] = new JsonArray(new JsonObject { ["exp_labels"] = new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))) }),
    };

    private static JsonObject Case(JsonObject[] series, params JsonObject[] expectations) => new()
    {
        ["interval"] = "1m",
        ["input_series"] = new JsonArray(series),
        ["alert_rule_test"] = new JsonArray(expectations),
    };

    [GeneratedRegex("[^a-zA-Z0-9_]")]
    private static partial Regex InvalidLabelCharacter();

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex CamelCaseWord();
}
