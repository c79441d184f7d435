using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// Issue 17, session 11: every PostgreSQL store of a pod is bounded (README "Sizing PostgreSQL connections"). The chart
/// passes each bound to its pods, its schema defines the 1–1000 range once (<c>$defs</c>), NOTES.txt prints the most
/// connections the release can hold (Σ max pods × the pod's bounds + the producers'), and a render that exceeds a declared
/// <c>postgresql.maxConnections</c> fails naming the figures (NOTES.txt rendered through <see cref="NotesChart"/>).
/// </summary>
public sealed class HelmPostgresConnectionsTests : IDisposable
{
    private readonly NotesChart chart = new();

    [Theory]
    // Default values: 2 signers × (directory: 1 core + 2 harvests), 1 sender × its concurrency 8, no webhooks.
    [InlineData(new string[0], "14 = signers 2 pods x 3 + senders 1 x 8 + webhooks 0 x 8 + producers 0")]
    // KEDA's maximum counts, not the replica count; claims add the signer's bound; producers outside the chart add theirs.
    [InlineData(new[] { "--set", "roles.signer.autoscaling.keda.enabled=true", "--set", "roles.signer.autoscaling.keda.maxReplicaCount=5", "--set", "producerClaims.postgres=Host=db", "--set", "postgresql.producerConnections=40" },
        "103 = signers 5 pods x 11 + senders 1 x 8 + webhooks 0 x 8 + producers 40")]
    // Explicit bounds win over the derived ones; webhooks pods hold the ledger's (3) and the fate ledger's (4).
    [InlineData(new[] { "--set", "directory.maxConnections=2", "--set", "delivery.ledger.maxConnections=3", "--set", "webhooks.enabled=true", "--set", "webhooks.existingSecret=hooks" },
        "21 = signers 2 pods x 2 + senders 1 x 3 + webhooks 2 x 7 + producers 0")]
    public async Task Notes_print_the_most_connections_the_release_can_hold(string[] arguments, string expected)
    {
        var notes = await chart.RenderAsync(arguments);

        Assert.Contains($"PostgreSQL connections at most (max pods x per-pod bounds): {expected}", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_release_that_can_exceed_the_declared_server_fails_to_render_and_one_within_it_renders()
    {
        // The large example: 40 signer pods (KEDA) × (2 cores + 2 harvests) + 2 senders × 5 = 170 against 100 - 3.
        var over = await Helm.RunAsync("template", "release", ".", "-f", "examples/values-large.yaml", "--set", "postgresql.maxConnections=100");
        Assert.True(over.ExitCode != 0, $"helm template accepted 170 connections against max_connections 100:\n{over.Describe()}");
        Assert.Contains("this release can hold 170 = signers 40 pods x 4 + senders 2 x 5", over.Stderr, StringComparison.Ordinal);
        Assert.Contains("postgresql.maxConnections (100) - superuserReservedConnections (3) = 97", over.Stderr, StringComparison.Ordinal);

        var within = await Helm.RunAsync("template", "release", ".", "-f", "examples/values-large.yaml", "--set", "postgresql.maxConnections=200");
        Assert.True(within.ExitCode == 0, $"helm template refused 170 connections against max_connections 200:\n{within.Describe()}");
    }

    [Fact]
    public async Task Each_pod_gets_its_stores_bounds()
    {
        var result = await Helm.RunAsync("template", "release", ".", "--set", "directory.maxConnections=5", "--set", "delivery.ledger.maxConnections=6",
            "--set", "delivery.ledger.fateMaxConnections=3", "--set", "webhooks.enabled=true", "--set", "webhooks.existingSecret=hooks");
        Assert.True(result.ExitCode == 0, result.Describe());
        var documents = YamlJson.ParseDocuments(result.StdoutText);

        Assert.Equal("5", Helm.Env(documents, "signer", "SmimePipeline__Directory__MaxConnections"));
        Assert.Equal("6", Helm.Env(documents, "sender", "SmimePipeline__Delivery__Ledger__MaxConnections"));
        Assert.Equal("6", Helm.Env(documents, "webhooks", "SmimePipeline__Delivery__Ledger__MaxConnections"));
        Assert.Equal("3", Helm.Env(documents, "webhooks", "SmimePipeline__Delivery__Ledger__FateMaxConnections"));
    }

    [Theory]
    [InlineData("producerClaims", "maxConnections", 0)]
    [InlineData("producerClaims", "maxConnections", 1001)]
    [InlineData("directory", "maxConnections", -1)]
    [InlineData("directory", "maxConnections", 1001)]
    public void The_schema_holds_every_bound_to_one_range(string section, string key, int value)
    {
        var values = YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"));
        values[section]![key] = value;
        Assert.Contains(ValuesSchema.Errors(values), e => e.Contains($"/{section}/{key}", StringComparison.Ordinal));

        var ledger = YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"));
        ledger["delivery"]!["ledger"]!["fateMaxConnections"] = 0;
        Assert.Contains(ValuesSchema.Errors(ledger), e => e.Contains("/delivery/ledger/fateMaxConnections", StringComparison.Ordinal));
        Assert.Empty(ValuesSchema.Errors(YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"))));
    }

    public void Dispose() => chart.Dispose();
}
