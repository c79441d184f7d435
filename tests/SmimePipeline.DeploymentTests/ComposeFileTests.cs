using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>The local stack in docker-compose.yml, validated by the real docker-compose binary and read as data.</summary>
public sealed class ComposeFileTests
{
    private static readonly string ComposeFile = RepositoryPaths.Of("docker-compose.yml");

    [Fact]
    public async Task Docker_compose_accepts_the_file()
    {
        var compose = ExternalTool.Require("docker-compose", "Install it with: apt-get install -y docker-compose");

        var result = await ExternalTool.RunAsync(compose, ["-f", ComposeFile, "config", "-q"], timeout: ToolLimits.Timeout, workingDirectory: RepositoryPaths.Root);

        Assert.True(result.ExitCode == 0, $"docker-compose config -q rejected docker-compose.yml:\n{result.Describe()}");
    }

    [Fact]
    public async Task Resolved_stack_has_two_signers_one_sender_and_every_supporting_service()
    {
        var services = (await ResolvedAsync())["services"]!.AsObject();

        foreach (var name in new[] { "rabbitmq", "postgres", "mailpit", "otel-collector", "jaeger", "prometheus", "grafana", "certs-init", "signer", "sender" })
        {
            Assert.True(services.ContainsKey(name), $"docker-compose.yml has no '{name}' service.");
        }

        Assert.Equal(2, services["signer"]!["deploy"]!["replicas"]!.GetValue<long>());
        Assert.Equal(1, services["sender"]!["deploy"]!["replicas"]!.GetValue<long>());
        Assert.Equal("Signer", services["signer"]!["environment"]!["SmimePipeline__Roles"]!.GetValue<string>());
        Assert.Equal("Sender", services["sender"]!["environment"]!["SmimePipeline__Roles"]!.GetValue<string>());
        Assert.Equal("mailpit", services["sender"]!["environment"]!["SmimePipeline__Delivery__Smtp__Host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Workers_wait_for_healthy_dependencies_and_the_certificate_job()
    {
        var services = (await ResolvedAsync())["services"]!.AsObject();

        var signerDependencies = services["signer"]!["depends_on"]!.AsObject();
        Assert.Equal("service_healthy", signerDependencies["rabbitmq"]!["condition"]!.GetValue<string>());
        Assert.Equal("service_healthy", signerDependencies["postgres"]!["condition"]!.GetValue<string>());
        Assert.Equal("service_completed_successfully", signerDependencies["certs-init"]!["condition"]!.GetValue<string>());
        Assert.Equal("service_healthy", services["sender"]!["depends_on"]!["rabbitmq"]!["condition"]!.GetValue<string>());

        foreach (var name in new[] { "rabbitmq", "postgres", "signer", "sender" })
        {
            Assert.True(services[name]!["healthcheck"]?["test"] is not null, $"'{name}' has no healthcheck.");
        }

        Assert.Contains("/health/ready", services["signer"]!["healthcheck"]!["test"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Images_are_pinned_and_workers_run_read_only_from_the_project_dockerfiles()
    {
        var services = (await ResolvedAsync())["services"]!.AsObject();

        foreach (var (name, service) in services)
        {
            var image = service!["image"]?.GetValue<string>();
            Assert.False(image is null && service["build"] is null, $"'{name}' has neither image nor build.");
            if (service["build"] is null)
            {
                Assert.Matches(@":v?\d+\.\d+(\.\d+)?(-[a-z]+)?$", image!);
            }
        }

        Assert.EndsWith("deploy/worker.Dockerfile", services["signer"]!["build"]!["dockerfile"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith("deploy/cli.Dockerfile", services["certs-init"]!["build"]!["dockerfile"]!.GetValue<string>(), StringComparison.Ordinal);
        foreach (var name in new[] { "signer", "sender", "certs-init" })
        {
            Assert.True(services[name]!["read_only"]!.GetValue<bool>(), $"'{name}' does not run with a read-only root filesystem.");
        }
    }

    [Fact]
    public void Files_mounted_from_deploy_exist()
    {
        var text = File.ReadAllText(ComposeFile);

        foreach (var relative in new[]
                 {
                     "deploy/otel-collector.yaml", "deploy/prometheus/prometheus.yml",
                     "deploy/grafana/provisioning/datasources/datasources.yaml", "deploy/grafana/provisioning/dashboards/dashboards.yaml",
                     "deploy/rabbitmq/rabbitmq.conf", "deploy/rabbitmq/enabled_plugins", "deploy/rabbitmq/definitions.json",
                 })
        {
            Assert.True(File.Exists(RepositoryPaths.Of(relative)), $"{relative} is missing.");
        }

        Assert.Contains("./deploy/otel-collector.yaml:", text, StringComparison.Ordinal);
        Assert.Contains("./deploy/grafana/provisioning:", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Session 23: the alert rules and the dashboard have one copy each, the Helm chart's (<c>.Files.Get</c> reads only
    /// inside the chart). Compose's Prometheus finds the rules by prometheus.yml's relative path, which holds in the
    /// container because both directories are mounted at the same places relative to each other; Grafana's dashboard
    /// provider reads the chart's directory. No second copy is left anywhere in the repository.
    /// </summary>
    [Fact]
    public async Task Prometheus_and_grafana_load_the_charts_only_copies_of_the_rules_and_the_dashboard()
    {
        var services = (await ResolvedAsync())["services"]!.AsObject();
        var prometheus = Mounts(services["prometheus"]!);
        var configFile = services["prometheus"]!["command"]!.AsArray().Select(a => a!.GetValue<string>())
            .Single(a => a.StartsWith("--config.file=", StringComparison.Ordinal))["--config.file=".Length..];
        var configDirectory = Path.GetDirectoryName(configFile)!;
        var ruleFile = Assert.Single(YamlJson.ParseFile(RepositoryPaths.Of("deploy", "prometheus", "prometheus.yml"))["rule_files"]!.AsArray())!.GetValue<string>();
        var ruleInContainer = Path.GetFullPath(Path.Combine(configDirectory, ruleFile));
        Assert.Equal(RepositoryPaths.Of("deploy", "prometheus"), prometheus[configDirectory]);
        Assert.Equal(ObservabilityFiles.AlertRules, HostPathOf(prometheus, ruleInContainer));

        var grafana = Mounts(services["grafana"]!);
        var home = services["grafana"]!["environment"]!["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]!.GetValue<string>();
        Assert.Equal(ObservabilityFiles.Dashboard, HostPathOf(grafana, home));

        var copies = Directory.EnumerateFiles(RepositoryPaths.Root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Where(f => Path.GetFileName(f) is "smime-alerts.rules.yml" or "smime-pipeline.json")
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or ".git"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal([ObservabilityFiles.Dashboard, ObservabilityFiles.AlertRules], copies);
    }

    // Bind mounts of a resolved service, container path -> host path, from either syntax `docker-compose config` prints
    // (v1: "/host:/container:ro"; v2: {type: bind, source, target}).
    private static Dictionary<string, string> Mounts(JsonNode service) =>
        service["volumes"]!.AsArray()
            .Select(v => v is JsonValue
                ? v.GetValue<string>().Split(':') switch { [var source, var target, ..] => (source, target), _ => ("", "") }
                : (v!["type"]!.GetValue<string>() == "bind" ? v["source"]!.GetValue<string>() : "", v["target"]!.GetValue<string>()))
            .Where(m => m.Item1.StartsWith('/'))
            .ToDictionary(m => m.Item2, m => m.Item1, StringComparer.Ordinal);

    // The host file behind a container path: the bind mount whose target holds it.
    private static string HostPathOf(Dictionary<string, string> mounts, string containerPath)
    {
        var mount = Assert.Single(mounts, m => containerPath.StartsWith(m.Key + "/", StringComparison.Ordinal));
        return Path.Combine(mount.Value, containerPath[(mount.Key.Length + 1)..]);
    }

    [Fact]
    public async Task Webhooks_role_runs_read_only_with_its_tokens_as_mounted_secret_files()
    {
        var resolved = await ResolvedAsync();
        var webhooks = resolved["services"]!["webhooks"]!;
        var environment = webhooks["environment"]!;

        Assert.Equal("Webhooks", environment["SmimePipeline__Roles"]!.GetValue<string>());
        Assert.Equal("postgres", environment["SmimePipeline__Delivery__Ledger__Provider"]!.GetValue<string>());
        Assert.True(webhooks["read_only"]!.GetValue<bool>(), "'webhooks' does not run with a read-only root filesystem.");
        Assert.Contains("/health/ready", webhooks["healthcheck"]!["test"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("service_healthy", webhooks["depends_on"]!["rabbitmq"]!["condition"]!.GetValue<string>());

        var mounted = webhooks["secrets"]!.AsArray()
            .Select(s => s is JsonValue ? s.GetValue<string>() : s!["source"]!.GetValue<string>())
            .ToHashSet(StringComparer.Ordinal);
        foreach (var setting in new[] { "RelayTokenFile", "RawTokenFile", "EventsPasswordFile" })
        {
            var path = environment[$"SmimePipeline__Webhooks__{setting}"]!.GetValue<string>();
            Assert.StartsWith("/run/secrets/", path, StringComparison.Ordinal);
            var secret = path["/run/secrets/".Length..];
            Assert.Contains(secret, mounted);
            var file = resolved["secrets"]![secret]!["file"]!.GetValue<string>();
            Assert.True(File.Exists(file), $"{setting}: {file} is missing.");
            Assert.True(File.ReadAllText(file).Length >= 16, $"{setting}: {file} is shorter than the worker's minimum token length.");
        }
    }

    /// <summary>The file as docker-compose resolves it (anchors merged, defaults applied).</summary>
    private static async Task<JsonNode> ResolvedAsync()
    {
        var compose = ExternalTool.Require("docker-compose", "Install it with: apt-get install -y docker-compose");
        var result = await ExternalTool.RunAsync(compose, ["-f", ComposeFile, "config"], timeout: ToolLimits.Timeout, workingDirectory: RepositoryPaths.Root);
        Assert.True(result.ExitCode == 0, $"docker-compose config failed:\n{result.Describe()}");
        return YamlJson.Parse(result.StdoutText);
    }
}
