using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

/// <summary>
/// Session 12: the chart passes <c>Signer:KeyUnavailableRetryPeriod</c>, <c>Signer:DirectoryUnavailableRetryPeriod</c>
/// (<c>roles.signer.*</c>) and <c>Sender:LargeMailPlaces</c> (<c>roles.sender.largeMailPlaces</c>) to its pods, with the
/// worker's defaults, and its schema holds the periods to the worker's range (00:00:01–00:20:00, one <c>$defs</c> entry).
/// </summary>
public sealed class HelmLongRetryAndPlacesTests
{
    [Fact]
    public async Task Default_values_give_the_pods_the_workers_defaults()
    {
        var documents = await RenderAsync();

        Assert.Equal("00:05:00", Helm.Env(documents, "signer", "SmimePipeline__Signer__KeyUnavailableRetryPeriod"));
        Assert.Equal("00:05:00", Helm.Env(documents, "signer", "SmimePipeline__Signer__DirectoryUnavailableRetryPeriod"));
        Assert.Equal("2", Helm.Env(documents, "sender", "SmimePipeline__Sender__LargeMailPlaces"));
        Assert.Null(Helm.Env(documents, "sender", "SmimePipeline__Signer__DirectoryUnavailableRetryPeriod"));
    }

    [Fact]
    public async Task Set_values_reach_the_pods_and_zero_places_stays_zero()
    {
        var documents = await RenderAsync(
            "--set", "roles.signer.keyUnavailableRetryPeriod=00:01:30",
            "--set", "roles.signer.directoryUnavailableRetryPeriod=00:12:00",
            "--set", "roles.sender.largeMailPlaces=0");

        Assert.Equal("00:01:30", Helm.Env(documents, "signer", "SmimePipeline__Signer__KeyUnavailableRetryPeriod"));
        Assert.Equal("00:12:00", Helm.Env(documents, "signer", "SmimePipeline__Signer__DirectoryUnavailableRetryPeriod"));
        Assert.Equal("0", Helm.Env(documents, "sender", "SmimePipeline__Sender__LargeMailPlaces"));
    }

    [Theory]
    [InlineData("keyUnavailableRetryPeriod", "00:20:01")]
    [InlineData("keyUnavailableRetryPeriod", "00:00:00")]
    [InlineData("directoryUnavailableRetryPeriod", "5m")]
    [InlineData("directoryUnavailableRetryPeriod", "01:00:00")]
    public void The_schema_refuses_a_period_outside_the_workers_range(string key, string value)
    {
        var values = YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"));
        values["roles"]!["signer"]![key] = value;

        Assert.Contains(ValuesSchema.Errors(values), e => e.Contains($"/roles/signer/{key}", StringComparison.Ordinal));
    }

    [Fact]
    public void The_schema_accepts_the_range_ends_and_refuses_negative_places()
    {
        var values = YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"));
        values["roles"]!["signer"]!["keyUnavailableRetryPeriod"] = "00:00:01";
        values["roles"]!["signer"]!["directoryUnavailableRetryPeriod"] = "00:20:00";
        Assert.Empty(ValuesSchema.Errors(values));

        values["roles"]!["sender"]!["largeMailPlaces"] = -1;
        Assert.Contains(ValuesSchema.Errors(values), e => e.Contains("/roles/sender/largeMailPlaces", StringComparison.Ordinal));
    }

    private static async Task<IReadOnlyList<JsonNode>> RenderAsync(params string[] arguments)
    {
        var result = await Helm.RunAsync(["template", "release", ".", .. arguments]);
        Assert.True(result.ExitCode == 0, result.Describe());
        return YamlJson.ParseDocuments(result.StdoutText);
    }
}
