namespace SmimePipeline.Cli.Bench;

/// <summary>The message <c>smime bench confirm</c> sends through MassTransit: only a body of the probed size.</summary>
/// <param name="Body">Random bytes (MassTransit's JSON envelope carries them as base64).</param>
public sealed record ConfirmProbeMessage(byte[] Body);
