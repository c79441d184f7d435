using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// Session 23: the chart ships the alert rules docker-compose's Prometheus loads, as an opt-in PrometheusRule read from
/// their only copy (files/prometheus/smime-alerts.rules.yml), with the release's labels and the ones the operator's
/// ruleSelector asks for.
/// </summary>
public sealed class HelmPrometheusRuleTests
{
    private static readonly string[] Enabled =
    [
        "--set", "prometheusRule.enabled=true",
        "--set", "prometheusRule.labels.release=kube-prometheus-stack",
        "--set", "prometheusRule.annotations.team=mail-platform",
    ];

    [Fact]
    public async Task Off_by_default()
    {
        var documents = await Helm.RenderAsync();

        Assert.DoesNotContain(documents, d => d["kind"]!.GetValue<string>() == "PrometheusRule");
    }

    [Fact]
    public async Task The_rule_carries_exactly_the_groups_compose_loads_with_the_release_and_extra_labels()
    {
        var rule = Helm.OneOfKind(await Helm.RenderAsync(Enabled), "PrometheusRule");

        Assert.Equal("monitoring.coreos.com/v1", rule["apiVersion"]!.GetValue<string>());
        Assert.Equal("release-smime-pipeline", rule["metadata"]!["name"]!.GetValue<string>());
        var labels = rule["metadata"]!["labels"]!;
        Assert.Equal("kube-prometheus-stack", labels["release"]!.GetValue<string>());
        Assert.Equal("release", labels["app.kubernetes.io/instance"]!.GetValue<string>());
        Assert.Equal("smime-pipeline", labels["app.kubernetes.io/name"]!.GetValue<string>());
        Assert.Equal("mail-platform", rule["metadata"]!["annotations"]!["team"]!.GetValue<string>());

        var groups = rule["spec"]!["groups"]!;
        var file = YamlJson.ParseFile(ObservabilityFiles.AlertRules)["groups"]!;
        Assert.True(
            JsonNode.DeepEquals(file, groups),
            $"The PrometheusRule's groups differ from {ObservabilityFiles.AlertRules}:\n{groups.ToJsonString()}");
        Assert.Equal("groups", Assert.Single(rule["spec"]!.AsObject()).Key);
    }

    [Fact]
    public async Task Notes_name_the_rule_its_alerts_and_the_labels_the_rule_selector_must_match()
    {
        using var chart = new NotesChart();

        var notes = await chart.RenderAsync("--set", "prometheusRule.enabled=true", "--set", "prometheusRule.labels.release=kube-prometheus-stack");

        Assert.Contains($"PrometheusRule smime-smime-pipeline: {AlertCount()} alerts.", notes, StringComparison.Ordinal);
        Assert.Contains("{\"release\":\"kube-prometheus-stack\"}", notes, StringComparison.Ordinal);
        Assert.Contains("WARNING: prometheusRule without serviceMonitor", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_accepts_the_rendered_rules()
    {
        var rule = Helm.OneOfKind(await Helm.RenderAsync(Enabled), "PrometheusRule");
        using var temp = new TempDirectory();
        // A PrometheusRule's spec is a Prometheus rules file; JSON is YAML.
        await File.WriteAllTextAsync(temp.File("rendered.rules.yml"), rule["spec"]!.ToJsonString());

        var result = await Promtool.AssertSucceedsAsync(temp.Path, "check", "rules", "rendered.rules.yml");

        Assert.Contains($"SUCCESS: {AlertCount()} rules found", result.StdoutText, StringComparison.Ordinal);
    }

    private static int AlertCount() =>
        YamlJson.ParseFile(ObservabilityFiles.AlertRules)["groups"]!.AsArray().Sum(g => g!["rules"]!.AsArray().Count);
}
