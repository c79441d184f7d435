namespace SmimePipeline.Cli.Bench;

/// <summary>The reference messages of the benchmarks (issue 6).</summary>
internal enum BenchMessageSize
{
    /// <summary>≈8.4 KB as RFC 5322 bytes (8,444): text and HTML.</summary>
    Small,

    /// <summary>≈53 KB as RFC 5322 bytes (53,300): text, HTML and a 30 KB PDF.</summary>
    Standard,

    /// <summary>≈2 MB: text, HTML and a 1.5 MB attachment.</summary>
    Large,
}
