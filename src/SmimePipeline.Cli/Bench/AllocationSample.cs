namespace SmimePipeline.Cli.Bench;

/// <summary>The bytes a run allocated per mail in one type, as <see cref="AllocationSampler"/> sampled them.</summary>
/// <param name="Type">The type's name as the runtime reports it.</param>
/// <param name="BytesPerMail">Sampled bytes per mail of the measured run.</param>
internal sealed record AllocationSample(string Type, double BytesPerMail);
