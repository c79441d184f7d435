using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>Grafana dashboard and provisioning, Prometheus config and alert rules, collector pipelines.</summary>
public sealed partial class ObservabilityConfigTests
{
    [Fact]
    public void Dashboard_is_well_formed_and_every_panel_queries_prometheus()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(ObservabilityFiles.Dashboard))!;

        Assert.Equal("smime-pipeline", dashboard["uid"]!.GetValue<string>());
        Assert.Contains("finalised with the observability work", dashboard["description"]!.GetValue<string>(), StringComparison.Ordinal);
        var panels = dashboard["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        var expressions = new List<string>();
        foreach (var panel in panels)
        {
            // A row only groups the panels below it (session 21: "Failures and self-healing", "Delivery: …").
            if (panel!["type"]!.GetValue<string>() == "row")
            {
                Assert.Null(panel["targets"]);
                continue;
            }

            var targets = panel["targets"]?.AsArray();
            Assert.True(targets is { Count: > 0 }, $"Panel '{panel["title"]}' has no query.");
            foreach (var target in targets!)
            {
                var expression = target!["expr"]?.GetValue<string>();
                Assert.False(string.IsNullOrWhiteSpace(expression), $"Panel '{panel["title"]}' has an empty query.");
                expressions.Add(expression!);
            }
        }

        foreach (var metric in new[]
                 {
                     "smime_mails_protected_total", "smime_mails_delivered_total", "smime_protect_duration_seconds_bucket",
                     "smime_delivery_duration_seconds_bucket", "smime_delivery_retries_total", "smime_dead_letters_total",
                     "smime_signer_certificate_days_to_expiry", "smime_queue_messages",
                 })
        {
            Assert.Contains(expressions, e => e.Contains(metric, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Session 23: compose's Grafana provisions its Prometheus datasource with uid <c>prometheus</c>; a Grafana that loads the
    /// dashboard from the chart's ConfigMap (its sidecar) has its own datasources. Every panel and every query names the
    /// dashboard's datasource variable (type prometheus; Grafana sets it to its default Prometheus), never a fixed uid.
    /// </summary>
    [Fact]
    public void Every_panel_and_query_uses_the_dashboards_datasource_variable_not_a_fixed_uid()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(ObservabilityFiles.Dashboard))!;
        var variable = Assert.Single(dashboard["templating"]!["list"]!.AsArray(), v => v!["type"]!.GetValue<string>() == "datasource")!;
        Assert.Equal("prometheus", variable["query"]!.GetValue<string>());
        var reference = $"${{{variable["name"]!.GetValue<string>()}}}";

        var panels = dashboard["panels"]!.AsArray().Where(p => p!["type"]!.GetValue<string>() != "row").ToList();
        Assert.NotEmpty(panels);
        foreach (var datasource in panels.SelectMany(p => p!["targets"]!.AsArray().Select(t => t!["datasource"]).Prepend(p["datasource"])))
        {
            Assert.Equal("prometheus", datasource?["type"]?.GetValue<string>());
            Assert.Equal(reference, datasource!["uid"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Grafana_provisioning_points_at_prometheus_and_the_dashboard_folder()
    {
        var datasources = YamlJson.ParseFile(RepositoryPaths.Of("deploy", "grafana", "provisioning", "datasources", "datasources.yaml"));
        var providers = YamlJson.ParseFile(RepositoryPaths.Of("deploy", "grafana", "provisioning", "dashboards", "dashboards.yaml"));

        Assert.Contains(datasources["datasources"]!.AsArray(), d => d!["uid"]!.GetValue<string>() == "prometheus" && d["type"]!.GetValue<string>() == "prometheus");
        Assert.Equal("/var/lib/grafana/dashboards", providers["providers"]![0]!["options"]!["path"]!.GetValue<string>());
    }

    [Fact]
    public void Alert_rules_file_has_groups_of_rules_with_alert_and_expr()
    {
        var rules = YamlJson.ParseFile(ObservabilityFiles.AlertRules);

        var groups = rules["groups"]!.AsArray();
        Assert.NotEmpty(groups);
        foreach (var group in groups)
        {
            var groupRules = group!["rules"]!.AsArray();
            Assert.NotEmpty(groupRules);
            Assert.All(groupRules, rule =>
            {
                Assert.False(string.IsNullOrWhiteSpace(rule!["alert"]?.GetValue<string>()), $"A rule has no alert name: {rule}");
                Assert.False(string.IsNullOrWhiteSpace(rule["expr"]?.GetValue<string>()), $"A rule has no expr: {rule}");
            });
        }
    }

    [Fact]
    public Task Promtool_accepts_the_prometheus_config() => AssertPromtoolSucceedsAsync("check", "config", "prometheus.yml");

    [Fact]
    public Task Promtool_accepts_the_alert_rules() => AssertPromtoolSucceedsAsync("check", "rules", ObservabilityFiles.AlertRules);

    /// <summary>
    /// The alert rules' unit tests (<c>deploy/prometheus/smime-alerts.test.yml</c>, on the chart's copy of the rules): a sender whose pause or resume of
    /// <c>smime-deliver</c> keeps failing fires <c>SmimeSenderEndpointControlStuck</c> after 5 minutes, one that recovered
    /// does not (session 19); each alert session 21 added fires on a failure that lasts and stays silent on one that
    /// recovered, and the alerts that must see every failure see the first count of a series born at 1.
    /// </summary>
    [Fact]
    public Task Promtool_alert_rule_unit_tests_pass() => AssertPromtoolSucceedsAsync("test", "rules", "smime-alerts.test.yml");

    // promtool with `arguments` in deploy/prometheus, which must exit 0.
    private static Task<ToolResult> AssertPromtoolSucceedsAsync(params string[] arguments) =>
        Promtool.AssertSucceedsAsync(RepositoryPaths.Of("deploy", "prometheus"), arguments);

    [Fact]
    public void The_sender_endpoint_control_failures_have_a_panel_and_an_alert()
    {
        const string metric = "smime_sender_endpoint_control_failures_total";
        var dashboard = JsonNode.Parse(File.ReadAllText(ObservabilityFiles.Dashboard))!;
        Assert.Contains(
            dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []),
            t => t!["expr"]!.GetValue<string>().Contains(metric, StringComparison.Ordinal));
        var rules = YamlJson.ParseFile(ObservabilityFiles.AlertRules);
        var alert = Assert.Single(
            rules["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()),
            r => r!["alert"]?.GetValue<string>() == "SmimeSenderEndpointControlStuck");
        Assert.Contains(metric, alert!["expr"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Session 21: an alert is only as good as what the operator reads next. Every alert's description names a README
    /// section that exists (<c>README "Heading"</c>), and the README's runbook table has a row for every alert.
    /// </summary>
    [Fact]
    public void Every_alert_names_its_runbook_and_the_readme_has_a_row_for_it()
    {
        var readme = File.ReadAllLines(RepositoryPaths.Of("README.md"));
        var headings = readme.Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim()).ToHashSet(StringComparer.Ordinal);
        var rules = YamlJson.ParseFile(ObservabilityFiles.AlertRules);

        var alerts = rules["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).ToList();
        Assert.NotEmpty(alerts);
        foreach (var alert in alerts)
        {
            var name = alert!["alert"]!.GetValue<string>();
            var description = alert["annotations"]?["description"]?.GetValue<string>() ?? "";
            var sections = RunbookSection().Matches(description).Select(m => m.Groups["heading"].Value).ToList();
            Assert.True(sections.Count > 0, $"{name}: its description names no README section (README \"Heading\"): {description}");
            Assert.All(sections, heading => Assert.True(headings.Contains(heading), $"{name}: README has no section \"{heading}\""));
            Assert.True(
                readme.Any(l => l.StartsWith("| `Smime", StringComparison.Ordinal) && l.Split('|')[1].Contains($"`{name}`", StringComparison.Ordinal)),
                $"{name}: README \"Alerts: what each means and what to do\" has no row for it");
        }
    }

    [GeneratedRegex(@"README \\?""(?<heading>[^""\\]+)\\?""")]
    private static partial Regex RunbookSection();

    [Fact]
    public void Collector_pipelines_use_only_declared_components_and_send_traces_to_jaeger()
    {
        var config = YamlJson.ParseFile(RepositoryPaths.Of("deploy", "otel-collector.yaml"));

        var pipelines = config["service"]!["pipelines"]!.AsObject();
        foreach (var (name, pipeline) in pipelines)
        {
            foreach (var section in new[] { "receivers", "processors", "exporters" })
            {
                foreach (var component in pipeline![section]?.AsArray() ?? [])
                {
                    var id = component!.GetValue<string>();
                    Assert.True(config[section]?.AsObject().ContainsKey(id) == true, $"Pipeline '{name}' uses undeclared {section} '{id}'.");
                }
            }
        }

        Assert.Contains("otlp/jaeger", pipelines["traces"]!["exporters"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Equal("jaeger:4317", config["exporters"]!["otlp/jaeger"]!["endpoint"]!.GetValue<string>());
    }

    [Fact]
    public void Dashboard_json_round_trips_through_the_strict_reader()
    {
        using var document = JsonDocument.Parse(
            File.ReadAllText(ObservabilityFiles.Dashboard),
            new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });

        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }
}
