using MimeKit;
using SmimePipeline.Cryptography.Buffers;

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
    /// <param name="destination">Where the canonical bytes are appended (headers of the entity, blank line, body).</param>
    public static void WriteCanonical(MimeEntity entity, PooledMemoryStream destination) => WriteCanonical(entity, destination, out _);

    /// <summary>
    /// As <see cref="WriteCanonical(MimeEntity, PooledMemoryStream)"/>, except for multipart/signed parts already
    /// in the entity (re-protecting signed mail): their bytes are someone else's signature's input, so they are
    /// written exactly as they are, never re-encoded nor armored. When such bytes are not 7-bit safe (8-bit or
    /// NUL octets, a line over 998 octets, a line starting <c>From </c> that mbox relays rewrite),
    /// <paramref name="needsOpaqueSigning"/> says so: clear signing would send them over 7-bit transport
    /// (RFC 8551 §3.1.1), opaque signing (RFC 8551 §3.5.2) carries them base64-encoded inside the SignedData.
    /// </summary>
    /// <param name="entity">The content entity (the message body).</param>
    /// <param name="destination">Where the canonical bytes are appended.</param>
    /// <param name="needsOpaqueSigning">Whether the written bytes must be signed opaquely.</param>
    public static void WriteCanonical(MimeEntity entity, PooledMemoryStream destination, out bool needsOpaqueSigning)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(destination);
        if (entity is ProtectEmailBody composed)
        {
            // A ProtectEmail's body: the same bytes as its tree would give, written without building it.
            int bodyStart = (int)destination.Length;
            composed.WriteCanonical(destination);
            needsOpaqueSigning = false;
            ArmorFromLines(destination, bodyStart);
            return;
        }

        bool holdsSignedParts = ProtectLeafParts(entity);
        entity.Prepare(EncodingConstraint.SevenBit, 78);
        int start = (int)destination.Length;
        using (var lent = PreEncodedContent.Lend(entity))
        {
            if (!lent.TryWrite(entity, CanonicalFormat, destination))
            {
                entity.WriteTo(CanonicalFormat, destination);
            }
        }

        if (holdsSignedParts)
        {
            // Armoring "From " lines would change signed bytes; opaque signing protects them instead when needed.
            needsOpaqueSigning = !IsSevenBitSafe(destination.WrittenSpan[start..]);
            return;
        }

        needsOpaqueSigning = false;
        ArmorFromLines(destination, start);
    }

    private static bool IsSevenBitSafe(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith("From "u8) || content.IndexOf("\nFrom "u8) >= 0)
        {
            return false;
        }

        int lineLength = 0;
        foreach (byte b in content)
        {
            if (b is 0 or >= 0x80)
            {
                return false;
            }

            lineLength = b == (byte)'\n' ? 0 : lineLength + 1;
            if (lineLength > 999)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// MimeKit's quoted-printable encoder leaves a line that starts with <c>From </c> as it is, and mbox-style
    /// relays prefix it with <c>&gt;</c>, which breaks the signature (RFC 8551 §3.1.1). Every leaf part is
    /// quoted-printable or base64 here, so such a line can only be quoted-printable text (or an ignored
    /// preamble): encoding its <c>F</c> as <c>=46</c> keeps the decoded text identical. When that would make
    /// the line longer than 76 characters (RFC 2045 §6.7 rule 5), a soft line break follows the <c>=46</c>.
    /// </summary>
    private static void ArmorFromLines(PooledMemoryStream stream, int start)
    {
        ReadOnlySpan<byte> from = "From "u8;
        var content = stream.WrittenSpan[start..];
        if (!content.StartsWith(from) && content.IndexOf("\r\nFrom "u8) < 0)
        {
            return;
        }

        using var copy = new PooledMemoryStream(content.Length);
        copy.Write(content);
        var original = copy.WrittenSpan;
        stream.Truncate(start);
        int lineStart = 0;
        while (lineStart < original.Length)
        {
            int lineEnd = original[lineStart..].IndexOf("\r\n"u8);
            int next = lineEnd < 0 ? original.Length : lineStart + lineEnd + 2;
            var line = original[lineStart..next];
            if (line.StartsWith(from))
            {
                int visible = lineEnd < 0 ? line.Length : lineEnd;
                stream.Write(visible + 2 > 76 ? "=46=\r\n"u8 : "=46"u8);
                stream.Write(line[1..]);
            }
            else
            {
                stream.Write(line);
            }

            lineStart = next;
        }
    }

    /// <returns>Whether the entity holds multipart/signed parts, which are left exactly as they are.</returns>
    private static bool ProtectLeafParts(MimeEntity entity)
    {
        switch (entity)
        {
            case MimeKit.Cryptography.MultipartSigned:
                // Re-encoding a signed part (8bit to quoted-printable) breaks its signature; it stays byte for byte.
                return true;
            case Multipart multipart:
                bool signed = false;
                foreach (var child in multipart)
                {
                    signed |= ProtectLeafParts(child);
                }

                return signed;
            case MessagePart { Message.Body: { } inner }:
                return ProtectLeafParts(inner);
            case MimePart part when part.ContentTransferEncoding is not (ContentEncoding.QuotedPrintable or ContentEncoding.Base64):
                // 7bit text may still carry trailing spaces or "From " lines that relays rewrite;
                // QP encodes both (RFC 8551 §3.1.1). Non-text gets base64, which has neither.
                part.ContentTransferEncoding = part.ContentType.IsMimeType("text", "*")
                    ? ContentEncoding.QuotedPrintable
                    : ContentEncoding.Base64;
                return false;
            default:
                return false;
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
