namespace SmimePipeline.Cli.Bench;

/// <summary>The options of one <c>smime bench protect</c> run.</summary>
internal sealed record BenchSettings(BenchMessageSize Message, string Key, string Cipher, int Threads, TimeSpan Duration, TimeSpan Warmup);
