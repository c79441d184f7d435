namespace SmimePipeline.Cli.Bench;

/// <summary>What <c>smime bench confirm</c> measured: the broker's publisher-confirm latency at several loads.</summary>
/// <param name="QueueType"><c>quorum</c> (as the pipeline's queues) or <c>classic</c> (for comparison only).</param>
/// <param name="BodyBytes">The body each publish carries before any envelope.</param>
/// <param name="Levels">One entry per client and number in flight, in the order measured.</param>
internal sealed record ConfirmProbeResult(string QueueType, int BodyBytes, IReadOnlyList<ConfirmProbeLevel> Levels);
