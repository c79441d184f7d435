using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace SmimePipeline.DeploymentTests.Support;

/// <summary>The chart's values.schema.json, evaluated the way Helm does before it renders.</summary>
public static class ValuesSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(Path.Combine(Helm.ChartDirectory, "values.schema.json"))));

    /// <summary>The schema's complaints about <paramref name="values"/>; empty when valid.</summary>
    public static IReadOnlyList<string> Errors(JsonNode values)
    {
        using var document = JsonDocument.Parse(values.ToJsonString());
        var results = Schema.Value.Evaluate(
            document.RootElement,
            new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return [];
        }

        var errors = new List<string>();
        Collect(results, errors);
        return errors.Count > 0 ? errors : ["invalid (no detail reported)"];
    }

    private static void Collect(EvaluationResults results, List<string> errors)
    {
        if (results.Errors is { Count: > 0 })
        {
            errors.AddRange(results.Errors.Select(e => $"{results.InstanceLocation}: {e.Key}: {e.Value}"));
        }

        foreach (var detail in results.Details ?? [])
        {
            Collect(detail, errors);
        }
    }
}
