using SmimePipeline.Contracts;

namespace SmimePipeline.Client;

/// <summary>Settings of the producer-side client (section <c>SmimePipeline</c> when bound from configuration).</summary>
public sealed class SmimePipelineClientOptions
{
    /// <summary>
    /// The largest protected message the pipeline accepts, in bytes; keep it equal to the workers'
    /// <c>SmimePipeline:MaxMessageBytes</c>. Mail that would certainly exceed it is refused with a
    /// <see cref="MessageTooLargeException"/> before anything is sent. Default
    /// <see cref="MessageSizeLimits.DefaultMaxMessageBytes"/> (20,000,000).
    /// </summary>
    public int MaxMessageBytes { get; set; } = MessageSizeLimits.DefaultMaxMessageBytes;
}
