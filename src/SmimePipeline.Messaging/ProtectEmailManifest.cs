using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// The JSON part of a binary <c>ProtectEmail</c>: every field except the mail id (a header) and the large payloads,
/// which follow the manifest raw; the manifest gives their lengths in bytes. Nulls are kept as nulls, so that the
/// worker's validator refuses them for the same reasons as in the JSON contract.
/// </summary>
internal sealed class ProtectEmailManifest
{
    public required MailAddress? From { get; init; }

    public IReadOnlyList<MailAddress?>? To { get; init; } = [];

    public IReadOnlyList<MailAddress?>? Cc { get; init; } = [];

    public IReadOnlyList<MailAddress?>? Bcc { get; init; } = [];

    public string? Subject { get; init; } = "";

    /// <summary>The UTF-8 bytes of the text body that follow the manifest first; null when the mail has none.</summary>
    public long? TextBodyLength { get; init; }

    /// <summary>The UTF-8 bytes of the HTML body that follow the text body; null when the mail has none.</summary>
    public long? HtmlBodyLength { get; init; }

    /// <summary>The attachments, their bytes following the bodies in this order; a null entry carries no bytes.</summary>
    public IReadOnlyList<ProtectEmailManifestAttachment?>? Attachments { get; init; } = [];

    public IReadOnlyDictionary<string, string>? Headers { get; init; } = new Dictionary<string, string>();

    public SecurityPolicy? Policy { get; init; } = SecurityPolicy.SignAndEncrypt;
}
