namespace SmimePipeline.Messaging;

/// <summary>An attachment in a <see cref="ProtectEmailManifest"/>: its names, and how many of the following bytes are its content.</summary>
internal sealed class ProtectEmailManifestAttachment
{
    public string? FileName { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The attachment's bytes in the body after the bodies and the attachments before it.</summary>
    public required long Length { get; init; }
}
