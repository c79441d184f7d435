using System.Net.Mime;
using MassTransit;

namespace SmimePipeline.Messaging;

/// <summary>
/// The binary wire formats of the producer → signer commands (issue 17), named and versioned by their content type.
/// <list type="bullet">
/// <item><c>application/vnd.smimepipeline.protect-mime-message; v=1</c>: the body is the RFC 5322 message exactly as
/// given; <see cref="MailIdHeader"/> and <see cref="PolicyHeader"/> travel as transport headers.</item>
/// <item><c>application/vnd.smimepipeline.protect-email; v=1</c>: the body is a 4-byte big-endian manifest length, a
/// UTF-8 JSON manifest of every field but the large payloads, then those payloads raw and in order (text body, HTML
/// body, each attachment), their lengths in the manifest; the mail id travels in <see cref="MailIdHeader"/>.</item>
/// </list>
/// MassTransit's own fields (message, conversation, initiator ids, addresses) and the trace context are transport
/// headers as in its raw serializers.
/// </summary>
public static class ProtectCommandBinaryFormat
{
    /// <summary>The media type of a binary <c>ProtectEmail</c>, without the version parameter.</summary>
    public const string ProtectEmailMediaType = "application/vnd.smimepipeline.protect-email";

    /// <summary>The media type of a binary <c>ProtectMimeMessage</c>, without the version parameter.</summary>
    public const string ProtectMimeMessageMediaType = "application/vnd.smimepipeline.protect-mime-message";

    /// <summary>The only version this build writes and reads (the content type's <c>v</c> parameter, required).</summary>
    public const string Version = "1";

    /// <summary>The mail id, a GUID in its <c>D</c> form. Required on both commands.</summary>
    public const string MailIdHeader = "smime-mail-id";

    /// <summary>
    /// A <c>ProtectMimeMessage</c>'s <c>SecurityPolicy</c> as compact JSON (the fields of the JSON contract). Optional:
    /// absent means the default, sign and encrypt. A <c>ProtectEmail</c> carries its policy in the manifest.
    /// </summary>
    public const string PolicyHeader = "smime-policy";

    /// <summary>Longest accepted <see cref="PolicyHeader"/>: 1,024 characters (a full policy is under 250).</summary>
    public const int MaxPolicyHeaderLength = 1_024;

    /// <summary>
    /// Largest accepted manifest: 1 MiB. A manifest of the contract's maxima (1,000 recipients of maximal address and
    /// display name, 50 headers, 100 attachments) stays under 700 KB; a larger one is refused before it is parsed.
    /// </summary>
    public const int MaxManifestBytes = 1 << 20;

    /// <summary>The bytes before the manifest: its length, a 32-bit unsigned big-endian integer.</summary>
    public const int ManifestLengthBytes = 4;

    /// <summary>The deepest JSON the manifest may nest (root, list, mailbox): 4; deeper is refused.</summary>
    public const int MaxManifestDepth = 4;

    /// <summary>
    /// The largest binary <c>ProtectEmail</c> body a worker reads under <paramref name="maxMessageBytes"/>
    /// (<c>SmimePipeline:MaxMessageBytes</c>): that many bytes of payloads, plus <see cref="MaxManifestBytes"/> and
    /// <see cref="ManifestLengthBytes"/>. A larger body is refused as <c>message-too-large</c> before it is read or copied.
    /// What the payloads add up to is then the validator's, with the same limit as for JSON.
    /// </summary>
    public static long LargestBody(int maxMessageBytes) => (long)maxMessageBytes + MaxManifestBytes + ManifestLengthBytes;

    /// <summary>
    /// The largest binary <c>ProtectMimeMessage</c> body a worker reads: <paramref name="maxMessageBytes"/> itself, since
    /// the body is the message the validator measures. A larger body is refused as <c>message-too-large</c> before it is
    /// copied out of the transport's buffer.
    /// </summary>
    public static long LargestMimeMessageBody(int maxMessageBytes) => maxMessageBytes;

    /// <summary>The content type a binary <c>ProtectEmail</c> is sent with.</summary>
    public static ContentType ProtectEmailContentType => new($"{ProtectEmailMediaType}; v={Version}");

    /// <summary>The content type a binary <c>ProtectMimeMessage</c> is sent with.</summary>
    public static ContentType ProtectMimeMessageContentType => new($"{ProtectMimeMessageMediaType}; v={Version}");

    /// <summary>Whether <paramref name="contentType"/> names one of the two formats (any version).</summary>
    public static bool Is(ContentType? contentType) =>
        string.Equals(contentType?.MediaType, ProtectEmailMediaType, StringComparison.OrdinalIgnoreCase)
        || string.Equals(contentType?.MediaType, ProtectMimeMessageMediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The mail id in <paramref name="headers"/> when <see cref="MailIdHeader"/> holds a valid one, else the empty id:
    /// for reporting a command that could not be read, without reading its body.
    /// </summary>
    public static Guid MailIdOrEmpty(Headers headers) => ProtectCommandHeaderReader.MailIdOrEmpty(headers);
}
