using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// Session 23: the chart ships the dashboard docker-compose's Grafana shows, as an opt-in ConfigMap for Grafana's dashboard
/// sidecar (the label it selects, a folder annotation), read from its only copy (files/grafana/smime-pipeline.json).
/// </summary>
public sealed class HelmGrafanaDashboardTests
{
    [Fact]
    public async Task Off_by_default()
    {
        var documents = await Helm.RenderAsync();

        Assert.DoesNotContain(documents, d => d["kind"]!.GetValue<string>() == "ConfigMap" && d["data"]?["smime-pipeline.json"] is not null);
    }

    [Fact]
    public async Task The_config_map_carries_the_dashboard_unchanged_with_the_sidecars_default_label()
    {
        var map = Dashboard(await Helm.RenderAsync("--set", "grafanaDashboard.enabled=true"));

        Assert.Equal("release-smime-pipeline-dashboard", map["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("smime", map["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("1", map["metadata"]!["labels"]!["grafana_dashboard"]!.GetValue<string>());
        Assert.Equal("release", map["metadata"]!["labels"]!["app.kubernetes.io/instance"]!.GetValue<string>());
        Assert.Null(map["metadata"]!["annotations"]);
        Assert.Equal(await File.ReadAllTextAsync(ObservabilityFiles.Dashboard), map["data"]!["smime-pipeline.json"]!.GetValue<string>());
    }

    [Fact]
    public async Task Label_value_folder_and_namespace_are_settable()
    {
        var map = Dashboard(await Helm.RenderAsync(
            "--set", "grafanaDashboard.enabled=true",
            "--set", "grafanaDashboard.label=dashboards.example/grafana",
            "--set-string", "grafanaDashboard.labelValue=mail",
            "--set", "grafanaDashboard.folder=Mail platform",
            "--set", "grafanaDashboard.folderAnnotation=dashboards.example/folder",
            "--set", "grafanaDashboard.namespace=monitoring",
            "--set", "grafanaDashboard.labels.team=mail-platform"));

        var metadata = map["metadata"]!;
        Assert.Equal("monitoring", metadata["namespace"]!.GetValue<string>());
        Assert.Equal("mail", metadata["labels"]!["dashboards.example/grafana"]!.GetValue<string>());
        Assert.Null(metadata["labels"]!["grafana_dashboard"]);
        Assert.Equal("mail-platform", metadata["labels"]!["team"]!.GetValue<string>());
        Assert.Equal("Mail platform", metadata["annotations"]!["dashboards.example/folder"]!.GetValue<string>());
    }

    private static JsonNode Dashboard(IReadOnlyList<JsonNode> documents) =>
        Assert.Single(documents, d => d["kind"]!.GetValue<string>() == "ConfigMap" && d["data"]?["smime-pipeline.json"] is not null);
}
