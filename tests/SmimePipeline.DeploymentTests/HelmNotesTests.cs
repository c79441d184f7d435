using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>NOTES.txt names the secrets to create (rendered through <see cref="NotesChart"/>: `helm install` needs a cluster).</summary>
public sealed class HelmNotesTests : IDisposable
{
    private readonly NotesChart chart = new();

    [Theory]
    [InlineData("values.yaml", new[] { "smime-rabbitmq", "smime-postgres", "smime-esp", "WARNING: signer.identitySecrets is empty" })]
    [InlineData("examples/values-small.yaml", new[] { "smime-rabbitmq", "smime-smtp", "smime-identity-noreply", "(1 replicas)" })]
    [InlineData("examples/values-large.yaml", new[] { "smime-sparkpost (key: apiKey)", "keys: password, uri", "KEDA: 2-40 replicas", "workers get 90s" })]
    public async Task Notes_render_and_name_the_secrets_to_create(string valuesFile, string[] expected)
    {
        var notes = await chart.RenderAsync("-f", valuesFile);

        foreach (var text in expected)
        {
            Assert.Contains(text, notes, StringComparison.Ordinal);
        }
    }

    public void Dispose() => chart.Dispose();
}
