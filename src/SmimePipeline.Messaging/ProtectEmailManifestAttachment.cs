using System.Text.Json.Serialization;

namespace SmimePipeline.Messaging;

/// <summary>
/// An attachment in a <see cref="ProtectEmailManifest"/>: its names, and how many of the following bytes are its content.
/// Setters and <see cref="JsonRequiredAttribute"/> for the same reason as the manifest's.
/// </summary>
internal sealed class ProtectEmailManifestAttachment
{
    public string? FileName { get; set; }

    public string? ContentType { get; set; }

    /// <summary>The attachment's bytes in the body after the bodies and the attachments before it.</summary>
    [JsonRequired]
    public long Length { get; set; }
}
