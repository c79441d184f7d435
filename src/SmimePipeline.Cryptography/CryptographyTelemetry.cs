using System.Diagnostics;

namespace SmimePipeline.Cryptography;

/// <summary>
/// The engine's ActivitySource: internal spans for certificate lookup, signing and encryption, with
/// algorithms, key sizes and byte counts as attributes. Never addresses beyond counts, never content.
/// Hosts subscribe to <see cref="SourceName"/> next to their own sources.
/// </summary>
public static class CryptographyTelemetry
{
    /// <summary>The ActivitySource name.</summary>
    public const string SourceName = "SmimePipeline.Cryptography";

    internal static ActivitySource Source { get; } = new(SourceName);
}
