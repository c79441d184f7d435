namespace SmimePipeline.Cli.Bench;

/// <summary>The reference messages of the benchmarks (issue 6).</summary>
internal enum BenchMessageSize
{
    /// <summary>≈6 KB: text and HTML.</summary>
    Small,

    /// <summary>≈54 KB: text, HTML and a 30 KB PDF.</summary>
    Standard,

    /// <summary>≈2 MB: text, HTML and a 1.5 MB attachment.</summary>
    Large,
}
