using MimeKit;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Brings a MIME entity into the canonical form that is signed and transmitted (RFC 8551 §3.1.1):
/// 7-bit only, lines of at most 998 octets, CRLF line ends, with trailing whitespace and lines that start
/// with <c>From </c> protected by a transfer encoding, so no relay can alter a signed byte.
/// </summary>
public static class MimeCanonicalizer
{
    /// <summary>The format every protected entity is written with: CRLF line ends (RFC 5322 §2.1).</summary>
    public static FormatOptions CanonicalFormat { get; } = CreateFormat();

    /// <summary>
    /// Re-encodes every leaf part of <paramref name="entity"/> that is not already quoted-printable or
    /// base64 (text as quoted-printable, anything else as base64), then writes it canonically.
    /// The entity is modified in place.
    /// </summary>
    /// <param name="entity">The content entity (the message body).</param>
    /// <param name="destination">Where the canonical bytes are written (headers of the entity, blank line, body).</param>
    public static void WriteCanonical(MimeEntity entity, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(destination);
        ProtectLeafParts(entity);
        entity.Prepare(EncodingConstraint.SevenBit, 78);
        entity.WriteTo(CanonicalFormat, destination);
    }

    private static void ProtectLeafParts(MimeEntity entity)
    {
        switch (entity)
        {
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    ProtectLeafParts(child);
                }

                break;
            case MessagePart { Message.Body: { } inner }:
                ProtectLeafParts(inner);
                break;
            case MimePart part when part.ContentTransferEncoding is not (ContentEncoding.QuotedPrintable or ContentEncoding.Base64):
                // 7bit text may still carry trailing spaces or "From " lines that relays rewrite;
                // QP encodes both (RFC 8551 §3.1.1). Non-text gets base64, which has neither.
                part.ContentTransferEncoding = part.ContentType.IsMimeType("text", "*")
                    ? ContentEncoding.QuotedPrintable
                    : ContentEncoding.Base64;
                break;
        }
    }

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        format.EnsureNewLine = true;
        return format;
    }
}
