using System.Text.Json.Serialization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// The JSON part of a binary <c>ProtectEmail</c>: every field except the mail id (a header) and the large payloads,
/// which follow the manifest raw; the manifest gives their lengths in bytes. Nulls are kept as nulls, so that the
/// worker's validator refuses them for the same reasons as in the JSON contract.
/// Plain setters and <see cref="JsonRequiredAttribute"/>, not <c>init</c> and <c>required</c>: with those, System.Text.Json's
/// generated reader builds the object through its parameterized-constructor converter (every value cached as a boxed
/// argument first); with setters it takes the default converter, which sets each property as it reads it. The JSON and
/// its rules (a required <c>from</c>, no unknown field, no field twice) are the same (README, "Issue 17, session 18").
/// </summary>
internal sealed class ProtectEmailManifest
{
    [JsonRequired]
    public MailAddress? From { get; set; }

    public IReadOnlyList<MailAddress?>? To { get; set; } = [];

    public IReadOnlyList<MailAddress?>? Cc { get; set; } = [];

    public IReadOnlyList<MailAddress?>? Bcc { get; set; } = [];

    public string? Subject { get; set; } = "";

    /// <summary>The UTF-8 bytes of the text body that follow the manifest first; null when the mail has none.</summary>
    public long? TextBodyLength { get; set; }

    /// <summary>The UTF-8 bytes of the HTML body that follow the text body; null when the mail has none.</summary>
    public long? HtmlBodyLength { get; set; }

    /// <summary>The attachments, their bytes following the bodies in this order; a null entry carries no bytes.</summary>
    public IReadOnlyList<ProtectEmailManifestAttachment?>? Attachments { get; set; } = [];

    public IReadOnlyDictionary<string, string>? Headers { get; set; } = new Dictionary<string, string>();

    public SecurityPolicy? Policy { get; set; } = SecurityPolicy.SignAndEncrypt;
}
