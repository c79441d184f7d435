using System.Text.Json.Nodes;
using SmimePipeline.DeploymentTests.Support;

namespace SmimePipeline.DeploymentTests;

public sealed class HelmValuesSchemaTests
{
    public static TheoryData<string> ValuesFiles => new()
    {
        "values.yaml",
        "examples/values-small.yaml",
        "examples/values-large.yaml",
    };

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Values_file_validates_against_the_schema(string relativePath)
    {
        var values = YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, relativePath));

        var errors = ValuesSchema.Errors(values);

        Assert.True(errors.Count == 0, $"{relativePath} does not match values.schema.json:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void Schema_rejects_replicas_given_as_a_word()
    {
        var values = DefaultValues();
        values["roles"]!["signer"]!["replicaCount"] = "two";

        var errors = ValuesSchema.Errors(values);

        Assert.Contains(errors, e => e.Contains("/roles/signer/replicaCount", StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_rejects_an_unknown_key_so_that_typos_are_not_silently_ignored()
    {
        var values = DefaultValues();
        values["roles"]!["sender"]!["replicas"] = 3;

        Assert.NotEmpty(ValuesSchema.Errors(values));
    }

    [Fact]
    public void Schema_rejects_key_material_placed_in_values()
    {
        var values = DefaultValues();
        values["signer"]!["privateKey"] = "-----BEGIN PRIVATE KEY-----";

        Assert.NotEmpty(ValuesSchema.Errors(values));
    }

    [Fact]
    public void Schema_rejects_an_unknown_delivery_provider()
    {
        var values = DefaultValues();
        values["delivery"]!["provider"] = "carrier-pigeon";

        Assert.NotEmpty(ValuesSchema.Errors(values));
    }

    [Fact]
    public void Schema_rejects_a_dashboard_label_value_that_is_not_a_string()
    {
        // `--set grafanaDashboard.labelValue=1` gives a number; a Kubernetes label value is a string (--set-string).
        var values = DefaultValues();
        values["grafanaDashboard"]!["labelValue"] = 1;

        Assert.Contains(ValuesSchema.Errors(values), e => e.Contains("/grafanaDashboard/labelValue", StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_rejects_prometheus_rule_labels_that_are_not_strings()
    {
        var values = DefaultValues();
        values["prometheusRule"]!["labels"] = new JsonObject { ["release"] = true };

        Assert.Contains(ValuesSchema.Errors(values), e => e.Contains("/prometheusRule/labels/release", StringComparison.Ordinal));
    }

    private static JsonNode DefaultValues() => YamlJson.ParseFile(Path.Combine(Helm.ChartDirectory, "values.yaml"));
}
