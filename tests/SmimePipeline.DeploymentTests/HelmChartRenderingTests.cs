using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// Lints and renders the chart with the real Helm CLI (see <see cref="Helm"/>) and checks every
/// rendered manifest. No cluster is needed: `helm template` renders client-side.
/// </summary>
public sealed class HelmChartRenderingTests
{
    public static TheoryData<string> ValuesFiles => new()
    {
        "values.yaml",
        "examples/values-small.yaml",
        "examples/values-large.yaml",
    };

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Chart_lints_strictly(string valuesFile)
    {
        var lint = await Helm.RunAsync("lint", "--strict", ".", "-f", valuesFile);

        Assert.True(lint.ExitCode == 0, $"helm lint --strict -f {valuesFile} failed:\n{lint.Describe()}");
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Every_rendered_document_is_a_well_formed_kubernetes_object(string valuesFile)
    {
        var documents = await RenderAsync("-f", valuesFile);

        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            Assert.False(string.IsNullOrEmpty(document["apiVersion"]?.GetValue<string>()), $"A document has no apiVersion:\n{document}");
            Assert.False(string.IsNullOrEmpty(document["kind"]?.GetValue<string>()), $"A document has no kind:\n{document}");
            Assert.False(string.IsNullOrEmpty(document["metadata"]?["name"]?.GetValue<string>()), $"A document has no name:\n{document}");
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Chart_renders_no_secret_because_credentials_come_from_existing_secrets(string valuesFile)
    {
        var documents = await RenderAsync("-f", valuesFile);

        Assert.DoesNotContain(documents, d => Kind(d) == "Secret");
    }

    [Fact]
    public async Task Default_values_render_one_deployment_pdb_and_service_per_role()
    {
        var documents = await RenderAsync();

        foreach (var kind in new[] { "Deployment", "PodDisruptionBudget", "Service" })
        {
            var components = documents.Where(d => Kind(d) == kind).Select(Component).Order().ToList();
            Assert.Equal(["sender", "signer"], components);
        }

        Assert.Single(documents, d => Kind(d) == "ConfigMap");
        Assert.Single(documents, d => Kind(d) == "ServiceAccount");
        foreach (var optional in new[] { "ScaledObject", "TriggerAuthentication", "HorizontalPodAutoscaler", "ServiceMonitor", "NetworkPolicy" })
        {
            Assert.DoesNotContain(documents, d => Kind(d) == optional);
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Every_deployment_is_hardened_and_probed(string valuesFile)
    {
        var documents = await RenderAsync("-f", valuesFile);
        var deployments = documents.Where(d => Kind(d) == "Deployment").ToList();

        Assert.Equal(2, deployments.Count);
        foreach (var deployment in deployments)
        {
            var name = deployment["metadata"]!["name"]!.GetValue<string>();
            var pod = deployment["spec"]!["template"]!["spec"]!;
            Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>(), $"{name}: pod runAsNonRoot");
            Assert.Equal("RuntimeDefault", pod["securityContext"]!["seccompProfile"]!["type"]!.GetValue<string>());
            Assert.False(pod["automountServiceAccountToken"]!.GetValue<bool>(), $"{name}: service account token mounted");

            var container = Assert.Single(pod["containers"]!.AsArray())!;
            var security = container["securityContext"]!;
            Assert.True(security["readOnlyRootFilesystem"]!.GetValue<bool>(), $"{name}: readOnlyRootFilesystem");
            Assert.False(security["allowPrivilegeEscalation"]!.GetValue<bool>(), $"{name}: allowPrivilegeEscalation");
            Assert.True(security["runAsNonRoot"]!.GetValue<bool>(), $"{name}: container runAsNonRoot");
            Assert.Equal("RuntimeDefault", security["seccompProfile"]!["type"]!.GetValue<string>());
            Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()));

            Assert.Equal("/health/live", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
            Assert.Equal("/health/ready", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
            Assert.Equal(8080, container["ports"]![0]!["containerPort"]!.GetValue<long>());

            var tmp = container["volumeMounts"]!.AsArray().Single(m => m!["mountPath"]!.GetValue<string>() == "/tmp")!;
            var tmpVolume = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == tmp["name"]!.GetValue<string>())!;
            Assert.NotNull(tmpVolume["emptyDir"]);
            Assert.NotNull(container["resources"]!["requests"]);
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public async Task Grace_period_exceeds_the_configured_shutdown_timeout(string valuesFile)
    {
        var documents = await RenderAsync("-f", valuesFile);
        var config = documents.Single(d => Kind(d) == "ConfigMap");
        var shutdown = TimeSpan.Parse(config["data"]!["SmimePipeline__ShutdownTimeout"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

        foreach (var deployment in documents.Where(d => Kind(d) == "Deployment"))
        {
            var grace = deployment["spec"]!["template"]!["spec"]!["terminationGracePeriodSeconds"]!.GetValue<long>();
            Assert.True(grace > shutdown.TotalSeconds, $"grace {grace}s is not above the shutdown timeout {shutdown}");
        }
    }

    [Fact]
    public async Task Grace_period_not_above_the_shutdown_timeout_fails_rendering()
    {
        var result = await Helm.RunAsync("template", "t", ".", "--set", "shutdownTimeoutSeconds=60", "--set", "terminationGracePeriodSeconds=60");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("terminationGracePeriodSeconds (60) must be greater than shutdownTimeoutSeconds (60)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keda_and_hpa_on_the_same_role_fail_rendering()
    {
        var result = await Helm.RunAsync(
            "template", "t", ".",
            "--set", "roles.signer.autoscaling.keda.enabled=true",
            "--set", "roles.signer.autoscaling.hpa.enabled=true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("roles.signer: enable either autoscaling.keda or autoscaling.hpa", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Schema_violation_fails_rendering_in_helm_too()
    {
        var result = await Helm.RunAsync("template", "t", ".", "--set", "roles.signer.replicaCount=two");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("roles.signer.replicaCount", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Large_example_scales_signers_with_keda_on_the_protect_queue_and_the_large_lane_and_mounts_identities_read_only()
    {
        var documents = await RenderAsync("-f", "examples/values-large.yaml");

        var scaled = Assert.Single(documents, d => Kind(d) == "ScaledObject");
        Assert.Equal("signer", Component(scaled));
        // Two triggers: the protect queue, and the large-mail lane that signers consume too (issue 17).
        var triggers = scaled["spec"]!["triggers"]!.AsArray();
        Assert.Equal(2, triggers.Count);
        var trigger = triggers[0]!;
        Assert.Equal("rabbitmq", trigger["type"]!.GetValue<string>());
        Assert.Equal("smime-protect", trigger["metadata"]!["queueName"]!.GetValue<string>());
        Assert.Equal("500", trigger["metadata"]!["value"]!.GetValue<string>());
        var lane = triggers[1]!;
        Assert.Equal("rabbitmq", lane["type"]!.GetValue<string>());
        Assert.Equal("QueueLength", lane["metadata"]!["mode"]!.GetValue<string>());
        Assert.Equal("smime-protect-large", lane["metadata"]!["queueName"]!.GetValue<string>());
        Assert.Equal("35", lane["metadata"]!["value"]!.GetValue<string>());
        var auth = Assert.Single(documents, d => Kind(d) == "TriggerAuthentication");
        Assert.Equal(auth["metadata"]!["name"]!.GetValue<string>(), trigger["authenticationRef"]!["name"]!.GetValue<string>());
        Assert.Equal(auth["metadata"]!["name"]!.GetValue<string>(), lane["authenticationRef"]!["name"]!.GetValue<string>());
        Assert.Equal("smime-rabbitmq", auth["spec"]!["secretTargetRef"]![0]!["name"]!.GetValue<string>());

        var signer = documents.Single(d => Kind(d) == "Deployment" && Component(d) == "signer");
        Assert.Null(signer["spec"]!["replicas"]);
        var mounts = signer["spec"]!["template"]!["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray();
        var identities = mounts.Where(m => m!["mountPath"]!.GetValue<string>().StartsWith("/var/run/smime/identities/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, identities.Count);
        Assert.All(identities, m => Assert.True(m!["readOnly"]!.GetValue<bool>()));

        var sender = documents.Single(d => Kind(d) == "Deployment" && Component(d) == "sender");
        var senderMounts = sender["spec"]!["template"]!["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray();
        Assert.DoesNotContain(senderMounts, m => m!["mountPath"]!.GetValue<string>().StartsWith("/var/run/smime/identities", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Network_policies_limit_signers_to_broker_directory_and_dns_and_senders_to_broker_ledger_esp_and_dns()
    {
        var documents = await RenderAsync("-f", "examples/values-large.yaml");
        var policies = documents.Where(d => Kind(d) == "NetworkPolicy").ToDictionary(Component);

        Assert.Equal(["sender", "signer"], policies.Keys.Order());
        Assert.Equal([53, 53, 5671, 5432, 4317], EgressPorts(policies["signer"]));
        // Senders reach PostgreSQL only for the shared delivery ledger.
        Assert.Equal([53, 53, 5671, 5432, 587, 443, 4317], EgressPorts(policies["sender"]));
    }

    private static List<long> EgressPorts(JsonNode policy) =>
        policy["spec"]!["egress"]!.AsArray()
            .SelectMany(rule => rule!["ports"]!.AsArray())
            .Select(port => port!["port"]!.GetValue<long>())
            .ToList();

    private static string Kind(JsonNode document) => document["kind"]!.GetValue<string>();

    private static string Component(JsonNode document) =>
        document["metadata"]!["labels"]!["app.kubernetes.io/component"]!.GetValue<string>();

    private static async Task<IReadOnlyList<JsonNode>> RenderAsync(params string[] extraArguments)
    {
        var result = await Helm.RunAsync(["template", "release", ".", "--namespace", "smime", .. extraArguments]);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', extraArguments)} failed:\n{result.Describe()}");
        return YamlJson.ParseDocuments(result.StdoutText);
    }
}
