namespace SmimePipeline.Testing;

/// <summary>
/// The alert rules and the Grafana dashboard. Their only copies are the Helm chart's (its PrometheusRule and dashboard
/// ConfigMap read them with <c>.Files.Get</c>, which cannot reach outside the chart); docker-compose.yml mounts them from
/// there, and deploy/prometheus/smime-alerts.test.yml tests the rules there.
/// </summary>
public static class ObservabilityFiles
{
    /// <summary>The chart's directory of shipped files, relative to the repository root.</summary>
    public static readonly string[] ChartFiles = ["helm", "smime-pipeline", "files"];

    /// <summary>The Prometheus alert rules (<c>groups:</c>), as compose's Prometheus loads them.</summary>
    public static string AlertRules => RepositoryPaths.Of([.. ChartFiles, "prometheus", "smime-alerts.rules.yml"]);

    /// <summary>The SmimePipeline Grafana dashboard.</summary>
    public static string Dashboard => RepositoryPaths.Of([.. ChartFiles, "grafana", "smime-pipeline.json"]);
}
