using System.Text.Json.Serialization;

namespace SmimePipeline.Cli.Bench;

/// <summary>Source-generated JSON for the benchmark reports (camelCase, indented).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(PipelineBenchResult))]
[JsonSerializable(typeof(ConfirmProbeResult))]
[JsonSerializable(typeof(GuaranteesBenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
