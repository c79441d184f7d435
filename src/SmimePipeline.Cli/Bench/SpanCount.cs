namespace SmimePipeline.Cli.Bench;

/// <summary>Spans of one source and name a run made, per mail (<see cref="SpanCensus"/>).</summary>
/// <param name="Source">The ActivitySource.</param>
/// <param name="Name">The span's operation name.</param>
/// <param name="Kind">Its <see cref="System.Diagnostics.ActivityKind"/>.</param>
/// <param name="AllData">Whether all its data was requested (<see cref="System.Diagnostics.Activity.IsAllDataRequested"/>):
/// the span was recorded with its tags; false = made for the trace context alone.</param>
/// <param name="Sampled">Whether its trace flags say sampled (what the next hop and parent-based samplers see).</param>
/// <param name="PerMail">How many per mail of the measured run.</param>
internal sealed record SpanCount(string Source, string Name, string Kind, bool AllData, bool Sampled, double PerMail);
