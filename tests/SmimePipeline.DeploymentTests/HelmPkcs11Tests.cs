using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>The chart's optional PKCS#11 support: the vendor's module, the PIN from a Secret, signers from ConfigMaps.</summary>
public sealed class HelmPkcs11Tests
{
    private static readonly string[] Enabled =
    [
        "--set", "signer.pkcs11.enabled=true",
        "--set", "signer.pkcs11.existingSecret=hsm-pin",
        "--set", "signer.pkcs11.modulePath=/opt/pkcs11/lib/libcloudhsm_pkcs11.so",
        "--set", "signer.pkcs11.initContainer.image=registry.example/hsm-client:5.12",
        "--set", "signer.pkcs11.initContainer.command={cp,-r,/opt/cloudhsm/.,/opt/pkcs11/}",
        "--set", "signer.pkcs11.signers[0].address=statements@bank.example",
        "--set", "signer.pkcs11.signers[0].configMap=smime-signer-statements",
    ];

    [Fact]
    public async Task Off_by_default_no_pod_mounts_a_module_or_a_pin()
    {
        var documents = await RenderAsync();

        foreach (var pod in Pods(documents))
        {
            Assert.DoesNotContain(Volumes(pod), v => v.StartsWith("pkcs11", StringComparison.Ordinal));
            Assert.Null(pod["initContainers"]);
            Assert.DoesNotContain(Env(pod), e => e.Contains("Pkcs11", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Enabled_the_signer_gets_the_module_the_pin_secret_and_its_signers_and_the_sender_nothing()
    {
        var documents = await RenderAsync(Enabled);
        var signer = Pods(documents, "signer").Single();
        var container = signer["containers"]![0]!;

        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]?.GetValue<string>());
        Assert.Equal("/opt/pkcs11/lib/libcloudhsm_pkcs11.so", env["SmimePipeline__Signer__Pkcs11__ModulePath"]);
        Assert.Equal("/var/run/secrets/smime/pkcs11/pin", env["SmimePipeline__Signer__Pkcs11__PinFile"]);

        var volumes = signer["volumes"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!);
        Assert.Equal("hsm-pin", volumes["pkcs11-pin"]["secret"]!["secretName"]!.GetValue<string>());
        Assert.NotNull(volumes["pkcs11-module"]["emptyDir"]);
        Assert.Equal("smime-signer-statements", volumes["pkcs11-signer-0"]["configMap"]!["name"]!.GetValue<string>());

        var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => m!["name"]!.GetValue<string>(), m => m!);
        Assert.Equal("/opt/pkcs11", mounts["pkcs11-module"]["mountPath"]!.GetValue<string>());
        Assert.True(mounts["pkcs11-module"]["readOnly"]!.GetValue<bool>());
        Assert.Equal("/var/lib/smime/store/signers/statements@bank.example", mounts["pkcs11-signer-0"]["mountPath"]!.GetValue<string>());

        var init = signer["initContainers"]!.AsArray().Single()!;
        Assert.Equal("registry.example/hsm-client:5.12", init["image"]!.GetValue<string>());
        Assert.Equal("/opt/pkcs11", init["volumeMounts"]![0]!["mountPath"]!.GetValue<string>());

        var sender = Pods(documents, "sender").Single();
        Assert.DoesNotContain(Volumes(sender), v => v.StartsWith("pkcs11", StringComparison.Ordinal));
        Assert.DoesNotContain(Env(sender), e => e.Contains("Pkcs11", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_module_volume_replaces_the_empty_dir()
    {
        var documents = await RenderAsync([.. Enabled, "--set", "signer.pkcs11.moduleVolume.persistentVolumeClaim.claimName=hsm-client"]);
        var signer = Pods(documents, "signer").Single();
        var module = signer["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "pkcs11-module")!;

        Assert.Equal("hsm-client", module["persistentVolumeClaim"]!["claimName"]!.GetValue<string>());
        Assert.Null(module["emptyDir"]);
    }

    [Fact]
    public async Task Enabled_without_a_pin_secret_fails_rendering_and_says_why()
    {
        var result = await Helm.RunAsync("template", "t", ".", "--set", "signer.pkcs11.enabled=true");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("signer.pkcs11.existingSecret", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pin_in_values_is_refused_by_the_schema()
    {
        var result = await Helm.RunAsync("template", "t", ".", "--set", "signer.pkcs11.pin=123456");

        Assert.NotEqual(0, result.ExitCode);
    }

    private static IEnumerable<JsonNode> Pods(IReadOnlyList<JsonNode> documents, string? component = null) =>
        documents.Where(d => d["kind"]!.GetValue<string>() == "Deployment"
                && (component is null || d["metadata"]!["labels"]!["app.kubernetes.io/component"]!.GetValue<string>() == component))
            .Select(d => d["spec"]!["template"]!["spec"]!);

    private static IEnumerable<string> Volumes(JsonNode pod) =>
        pod["volumes"]?.AsArray().Select(v => v!["name"]!.GetValue<string>()) ?? [];

    private static IEnumerable<string> Env(JsonNode pod) =>
        pod["containers"]!.AsArray().SelectMany(c => c!["env"]?.AsArray() ?? []).Select(e => e!["name"]!.GetValue<string>());

    private static async Task<IReadOnlyList<JsonNode>> RenderAsync(params string[] extraArguments)
    {
        var result = await Helm.RunAsync(["template", "release", ".", "--namespace", "smime", .. extraArguments]);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', extraArguments)} failed:\n{result.Describe()}");
        return YamlJson.ParseDocuments(result.StdoutText);
    }
}
