using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// NOTES.txt is rendered only by `helm install`, which needs a cluster. To check it here, a copy of
/// the chart renders the same text through `tpl` inside a throw-away ConfigMap template.
/// </summary>
public sealed class HelmNotesTests : IDisposable
{
    private readonly string chartCopy = Path.Combine(Path.GetTempPath(), $"smime-chart-notes-{Guid.NewGuid():N}");

    public HelmNotesTests()
    {
        DirectoryCopy.Copy(Helm.ChartDirectory, chartCopy);
        File.Copy(Path.Combine(chartCopy, "templates", "NOTES.txt"), Path.Combine(chartCopy, "notes-under-test.txt"));
        File.WriteAllText(
            Path.Combine(chartCopy, "templates", "notes-under-test.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-under-test\ndata:\n  notes: |\n    {{- tpl (.Files.Get \"notes-under-test.txt\") . | nindent 4 }}\n");
    }

    [Theory]
    [InlineData("values.yaml", new[] { "smime-rabbitmq", "smime-postgres", "smime-esp", "WARNING: signer.identitySecrets is empty" })]
    [InlineData("examples/values-small.yaml", new[] { "smime-rabbitmq", "smime-smtp", "smime-identity-noreply", "(1 replicas)" })]
    [InlineData("examples/values-large.yaml", new[] { "smime-sparkpost (key: apiKey)", "keys: password, uri", "KEDA: 2-40 replicas", "workers get 90s" })]
    public async Task Notes_render_and_name_the_secrets_to_create(string valuesFile, string[] expected)
    {
        var helm = await Helm.RequireAsync();

        var result = await ExternalTool.RunAsync(helm, ["template", "smime", ".", "-f", valuesFile, "--show-only", "templates/notes-under-test.yaml"], timeout: ToolLimits.Timeout, workingDirectory: chartCopy);

        Assert.True(result.ExitCode == 0, $"NOTES.txt did not render with {valuesFile}:\n{result.Describe()}");
        var notes = YamlJson.Parse(result.StdoutText)["data"]!["notes"]!.GetValue<string>();
        foreach (var text in expected)
        {
            Assert.Contains(text, notes, StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(chartCopy, recursive: true);
}
