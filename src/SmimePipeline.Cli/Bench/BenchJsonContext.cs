using System.Text.Json.Serialization;

namespace SmimePipeline.Cli.Bench;

/// <summary>Source-generated JSON for the benchmark reports (camelCase, indented), and the producer claim references of <c>bench guarantees --postgres</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(PipelineBenchResult))]
[JsonSerializable(typeof(ConfirmProbeResult))]
[JsonSerializable(typeof(GuaranteesBenchResult))]
[JsonSerializable(typeof(SmimePipeline.Messaging.ProducerClaims.ProtectCommandClaim))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
