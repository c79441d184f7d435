using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// The chart tells each pod's .NET runtime how many cores it is scheduled for (<c>DOTNET_PROCESSOR_COUNT</c>): the
/// signer sizes its protect slots and in-flight window by that count, and .NET alone would take it from a CPU limit or,
/// without one, from the node (README "Capacity model").
/// </summary>
public sealed class HelmProcessorCountTests
{
    [Fact]
    public async Task Default_values_give_each_role_the_cores_it_requests()
    {
        var documents = await RenderAsync();

        // signer requests "1", sender 250m: both one core, whatever the node has.
        Assert.Equal("1", ProcessorCount(documents, "signer"));
        Assert.Equal("1", ProcessorCount(documents, "sender"));
    }

    [Theory]
    [InlineData("2500m", "3")]
    [InlineData("2", "2")]
    [InlineData("1.5", "2")]
    [InlineData("100m", "1")]
    public async Task A_cpu_request_is_rounded_up_to_whole_cores(string request, string expected)
    {
        var documents = await RenderAsync("--set-string", $"roles.signer.resources.requests.cpu={request}");

        Assert.Equal(expected, ProcessorCount(documents, "signer"));
    }

    [Fact]
    public async Task An_explicit_processor_count_wins_over_the_request()
    {
        var documents = await RenderAsync("--set", "roles.signer.processorCount=4", "--set", "roles.sender.processorCount=2");

        Assert.Equal("4", ProcessorCount(documents, "signer"));
        Assert.Equal("2", ProcessorCount(documents, "sender"));
    }

    [Fact]
    public async Task Without_a_request_or_a_count_the_runtime_counts_for_itself()
    {
        var documents = await RenderAsync("--set", "roles.sender.resources.requests=null");

        Assert.Null(ProcessorCount(documents, "sender"));
        Assert.Equal("1", ProcessorCount(documents, "signer"));
    }

    [Fact]
    public async Task The_large_example_gives_its_two_core_signers_two_cores()
    {
        var documents = await RenderAsync("-f", "examples/values-large.yaml");

        Assert.Equal("2", ProcessorCount(documents, "signer"));
        Assert.Equal("1", ProcessorCount(documents, "sender"));
    }

    [Fact]
    public async Task A_negative_processor_count_fails_the_schema()
    {
        var result = await Helm.RunAsync("template", "release", ".", "--namespace", "smime", "--set", "roles.signer.processorCount=-1");

        Assert.True(result.ExitCode != 0, $"helm template accepted roles.signer.processorCount=-1:\n{result.Describe()}");
        Assert.Contains("processorCount", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The DOTNET_PROCESSOR_COUNT of the role's container, or null when the chart sets none.</summary>
    private static string? ProcessorCount(IReadOnlyList<JsonNode> documents, string role)
    {
        var deployment = documents.Single(d => d["kind"]!.GetValue<string>() == "Deployment"
            && d["metadata"]!["labels"]!["app.kubernetes.io/component"]!.GetValue<string>() == role);
        var env = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        var matches = env.Where(e => e!["name"]!.GetValue<string>() == "DOTNET_PROCESSOR_COUNT").ToList();
        Assert.True(matches.Count <= 1, $"{role}: DOTNET_PROCESSOR_COUNT is set {matches.Count} times.");
        return matches.Count == 0 ? null : matches[0]!["value"]!.GetValue<string>();
    }

    private static async Task<IReadOnlyList<JsonNode>> RenderAsync(params string[] extraArguments)
    {
        var result = await Helm.RunAsync(["template", "release", ".", "--namespace", "smime", .. extraArguments]);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', extraArguments)} failed:\n{result.Describe()}");
        return YamlJson.ParseDocuments(result.StdoutText);
    }
}
