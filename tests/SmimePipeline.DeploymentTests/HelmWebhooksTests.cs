using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// The chart's webhooks role (the return path): its Deployment, Service, PodDisruptionBudget, optional Ingress
/// and NetworkPolicy, with every token taken from an existing Secret by reference.
/// </summary>
public sealed class HelmWebhooksTests
{
    private const string TokenDirectory = "/var/run/secrets/smime/webhooks";

    private static readonly string[] Enabled =
    [
        "--set", "webhooks.enabled=true",
        "--set", "webhooks.existingSecret=smime-webhooks",
    ];

    private static readonly string[] WithIngress =
    [
        .. Enabled,
        "--set", "webhooks.ingress.enabled=true",
        "--set", "webhooks.ingress.className=nginx",
        "--set", "webhooks.ingress.host=webhooks.bank.example",
        "--set", "webhooks.ingress.tls.secretName=webhooks-tls",
        "--set-string", "webhooks.ingress.annotations.cert-manager\\.io/cluster-issuer=letsencrypt",
    ];

    [Fact]
    public async Task Off_by_default_nothing_of_the_webhooks_role_is_rendered()
    {
        var documents = await RenderAsync();

        Assert.DoesNotContain(documents, d => Component(d) == "webhooks");
        Assert.DoesNotContain(documents, d => Kind(d) == "Ingress");
    }

    [Fact]
    public async Task Enabled_renders_a_hardened_deployment_of_the_webhooks_role_with_tokens_mounted_from_the_secret()
    {
        var documents = await RenderAsync(Enabled);
        var deployment = Assert.Single(documents, d => Kind(d) == "Deployment" && Component(d) == "webhooks");
        Assert.Equal("release-smime-pipeline-webhooks", deployment["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(2, deployment["spec"]!["replicas"]!.GetValue<long>());

        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.False(pod["automountServiceAccountToken"]!.GetValue<bool>());
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        var container = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.True(container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.Equal("/health/ready", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());

        var env = Env(container);
        Assert.Equal("Webhooks", env["SmimePipeline__Roles"]);
        Assert.Equal($"{TokenDirectory}/relay-token", env["SmimePipeline__Webhooks__RelayTokenFile"]);
        Assert.Equal("sparkpost", env["SmimePipeline__Webhooks__EventsUserName"]);
        Assert.Equal($"{TokenDirectory}/events-password", env["SmimePipeline__Webhooks__EventsPasswordFile"]);
        Assert.Equal("50000000", env["SmimePipeline__Webhooks__MaxRequestBytes"]);
        Assert.Equal("postgres", env["SmimePipeline__Delivery__Ledger__Provider"]);
        Assert.Equal("/var/run/secrets/smime/ledger/password", env["SmimePipeline__Delivery__Ledger__PostgresPasswordFile"]);
        Assert.DoesNotContain("SmimePipeline__Webhooks__RawTokenFile", env.Keys);
        Assert.DoesNotContain(env.Keys, k => k.StartsWith("SmimePipeline__Signer__", StringComparison.Ordinal));

        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!);
        var tokens = volumes["webhook-tokens"]["secret"]!;
        Assert.Equal("smime-webhooks", tokens["secretName"]!.GetValue<string>());
        var items = tokens["items"]!.AsArray().ToDictionary(i => i!["key"]!.GetValue<string>(), i => i!["path"]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, string> { ["relayToken"] = "relay-token", ["eventsPassword"] = "events-password" }, items);
        Assert.DoesNotContain(volumes.Keys, v => v.StartsWith("identity-", StringComparison.Ordinal) || v.StartsWith("pkcs11", StringComparison.Ordinal));

        var mount = container["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "webhook-tokens")!;
        Assert.Equal(TokenDirectory, mount["mountPath"]!.GetValue<string>());
        Assert.True(mount["readOnly"]!.GetValue<bool>());

        Assert.DoesNotContain(documents, d => Kind(d) == "Secret");
    }

    [Fact]
    public async Task Raw_and_bearer_keys_add_their_token_files()
    {
        var documents = await RenderAsync([.. Enabled, "--set", "webhooks.rawTokenKey=raw", "--set", "webhooks.eventsBearerTokenKey=bearer", "--set", "webhooks.eventsPasswordKey="]);
        var pod = documents.Single(d => Kind(d) == "Deployment" && Component(d) == "webhooks")["spec"]!["template"]!["spec"]!;

        var env = Env(pod["containers"]![0]!);
        Assert.Equal($"{TokenDirectory}/raw-token", env["SmimePipeline__Webhooks__RawTokenFile"]);
        Assert.Equal($"{TokenDirectory}/events-bearer-token", env["SmimePipeline__Webhooks__EventsBearerTokenFile"]);
        Assert.DoesNotContain("SmimePipeline__Webhooks__EventsPasswordFile", env.Keys);
        Assert.DoesNotContain("SmimePipeline__Webhooks__EventsUserName", env.Keys);
    }

    [Fact]
    public async Task Enabled_renders_its_service_and_disruption_budget_selecting_only_webhooks_pods()
    {
        var documents = await RenderAsync(Enabled);

        foreach (var kind in new[] { "Service", "PodDisruptionBudget" })
        {
            var document = Assert.Single(documents, d => Kind(d) == kind && Component(d) == "webhooks");
            var selector = kind == "Service" ? document["spec"]!["selector"]! : document["spec"]!["selector"]!["matchLabels"]!;
            Assert.Equal("webhooks", selector["app.kubernetes.io/component"]!.GetValue<string>());
        }

        var service = documents.Single(d => Kind(d) == "Service" && Component(d) == "webhooks");
        Assert.Equal("ClusterIP", service["spec"]!["type"]!.GetValue<string>());
        Assert.Equal("http", service["spec"]!["ports"]![0]!["targetPort"]!.GetValue<string>());
        Assert.DoesNotContain(documents, d => Kind(d) == "Ingress");
    }

    [Fact]
    public async Task Ingress_exposes_only_the_webhook_paths_over_tls_with_cert_manager_annotations()
    {
        var documents = await RenderAsync(WithIngress);
        var ingress = Assert.Single(documents, d => Kind(d) == "Ingress");

        Assert.Equal("letsencrypt", ingress["metadata"]!["annotations"]!["cert-manager.io/cluster-issuer"]!.GetValue<string>());
        Assert.Equal("nginx", ingress["spec"]!["ingressClassName"]!.GetValue<string>());

        var tls = Assert.Single(ingress["spec"]!["tls"]!.AsArray())!;
        Assert.Equal("webhooks-tls", tls["secretName"]!.GetValue<string>());
        Assert.Equal(["webhooks.bank.example"], tls["hosts"]!.AsArray().Select(h => h!.GetValue<string>()));

        var rule = Assert.Single(ingress["spec"]!["rules"]!.AsArray())!;
        Assert.Equal("webhooks.bank.example", rule["host"]!.GetValue<string>());
        var path = Assert.Single(rule["http"]!["paths"]!.AsArray())!;
        Assert.Equal("/webhooks", path["path"]!.GetValue<string>());
        Assert.Equal("Prefix", path["pathType"]!.GetValue<string>());
        Assert.Equal("release-smime-pipeline-webhooks", path["backend"]!["service"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Ingress_with_tls_but_no_secret_name_fails_rendering_naming_the_setting()
    {
        var result = await Helm.RunAsync(["template", "t", ".", .. Enabled, "--set", "webhooks.ingress.enabled=true"]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("webhooks.ingress.tls.secretName is required", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabled_without_an_existing_secret_fails_rendering_naming_the_setting()
    {
        var result = await Helm.RunAsync("template", "t", ".", "--set", "webhooks.enabled=true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("webhooks.existingSecret is required", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enabled_without_any_token_fails_rendering()
    {
        var result = await Helm.RunAsync(["template", "t", ".", .. Enabled, "--set", "webhooks.relayTokenKey=", "--set", "webhooks.eventsPasswordKey="]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("webhooks: set at least one of relayTokenKey", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Network_policy_lets_the_webhooks_role_reach_only_dns_rabbitmq_and_the_ledger()
    {
        var documents = await RenderAsync([.. Enabled, "--set", "networkPolicy.enabled=true"]);
        var policy = Assert.Single(documents, d => Kind(d) == "NetworkPolicy" && Component(d) == "webhooks");

        var ports = policy["spec"]!["egress"]!.AsArray()
            .SelectMany(e => e!["ports"]!.AsArray())
            .Select(p => p!["port"]!.GetValue<long>())
            .Distinct()
            .Order();
        Assert.Equal([53L, 5432L, 5672L], ports);
        Assert.Equal("webhooks", policy["spec"]!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]!.GetValue<string>());
    }

    [Fact]
    public async Task Chart_lints_strictly_with_the_webhooks_role_and_its_ingress()
    {
        var lint = await Helm.RunAsync(["lint", "--strict", ".", .. WithIngress]);

        Assert.True(lint.ExitCode == 0, $"helm lint --strict failed:\n{lint.Describe()}");
    }

    [Fact]
    public void Schema_accepts_the_webhooks_role_enabled_with_an_ingress()
    {
        var values = DefaultValues();
        values["webhooks"]!["enabled"] = true;
        values["webhooks"]!["existingSecret"] = "smime-webhooks";
        values["webhooks"]!["ingress"]!["enabled"] = true;
        values["webhooks"]!["ingress"]!["tls"]!["secretName"] = "webhooks-tls";
        values["webhooks"]!["ingress"]!["annotations"] = new JsonObject { ["cert-manager.io/cluster-issuer"] = "letsencrypt" };

        var errors = ValuesSchema.Errors(values);

        Assert.True(errors.Count == 0, string.Join('\n', errors));
    }

    [Fact]
    public void Schema_refuses_a_token_placed_in_values()
    {
        var values = DefaultValues();
        values["webhooks"]!["relayToken"] = "0123456789abcdef0123456789abcdef";

        Assert.NotEmpty(ValuesSchema.Errors(values));
    }

    [Fact]
    public void Schema_refuses_an_unknown_service_type_and_a_non_numeric_request_limit()
    {
        var values = DefaultValues();
        values["webhooks"]!["service"]!["type"] = "ExternalName";
        values["webhooks"]!["maxRequestBytes"] = "50MB";

        var errors = ValuesSchema.Errors(values);

        Assert.Contains(errors, e => e.Contains("/webhooks/service/type", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("/webhooks/maxRequestBytes", StringComparison.Ordinal));
    }

    private static string Kind(JsonNode document) => document["kind"]!.GetValue<string>();

    private static string? Component(JsonNode document) =>
        document["metadata"]!["labels"]?["app.kubernetes.io/component"]?.GetValue<string>();

    private static Dictionary<string, string?> Env(JsonNode container) =>
        container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());

    private static JsonNode DefaultValues() => YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"));

    private static async Task<IReadOnlyList<JsonNode>> RenderAsync(params string[] extraArguments)
    {
        var result = await Helm.RunAsync(["template", "release", ".", "--namespace", "smime", .. extraArguments]);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', extraArguments)} failed:\n{result.Describe()}");
        return YamlJson.ParseDocuments(result.StdoutText);
    }
}
