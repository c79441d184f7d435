namespace SmimePipeline.Cli.Bench;

/// <summary>What <c>smime bench protect --json</c> prints.</summary>
/// <param name="Results">Our engine first, then the baseline if one ran.</param>
/// <param name="BaselineRatio">Our messages/second divided by the baseline's, or null.</param>
/// <param name="ProcessorCount">Cores this process may use.</param>
/// <param name="Runtime">The .NET runtime description.</param>
internal sealed record BenchReport(IReadOnlyList<ProtectBenchResult> Results, double? BaselineRatio, int ProcessorCount, string Runtime);
