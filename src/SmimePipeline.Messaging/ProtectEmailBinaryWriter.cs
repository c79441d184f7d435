using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Writes a <see cref="ProtectEmail"/> in the binary format (<see cref="ProtectCommandBinaryFormat"/>): manifest
/// length, manifest, text body, HTML body, attachments. One array of the exact size, one copy of each payload.
/// </summary>
internal static class ProtectEmailBinaryWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body of <paramref name="mail"/> (the mail id travels in a header, not here).</summary>
    /// <exception cref="SerializationException">
    /// A body is not valid Unicode (a lone surrogate), an attachment's content is null, or the whole exceeds the largest
    /// array .NET allows; the message names the field.
    /// </exception>
    public static byte[] Write(ProtectEmail mail) => Write(mail, prefixBytes: 0);

    /// <summary>
    /// The body of <paramref name="mail"/> after <paramref name="prefixBytes"/> bytes that the caller writes (the producer
    /// claim's preamble): one array for both, so a claim of a megabytes attachment is not copied a second time.
    /// </summary>
    /// <exception cref="SerializationException">As <see cref="Write(ProtectEmail)"/>.</exception>
    internal static byte[] Write(ProtectEmail mail, int prefixBytes) =>
        Write(mail, prefixBytes, pooled: false, out _);

    /// <summary>
    /// As <see cref="Write(ProtectEmail, int)"/>, into an array rented from <see cref="ArrayPool{T}.Shared"/> (which pools
    /// arrays up to 2^30 bytes since .NET 8) and usually longer than the <paramref name="length"/> bytes written: the
    /// caller returns it, cleared, for it holds the mail's bodies (issue 17, session 16: a 1.5 MB attachment's claim was a
    /// fresh 1.5 MB array on the large object heap for every large mail).
    /// </summary>
    /// <exception cref="SerializationException">As <see cref="Write(ProtectEmail)"/>; nothing is rented then.</exception>
    internal static byte[] WritePooled(ProtectEmail mail, int prefixBytes, out int length) =>
        Write(mail, prefixBytes, pooled: true, out length);

    private static byte[] Write(ProtectEmail mail, int prefixBytes, bool pooled, out int length)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentOutOfRangeException.ThrowIfNegative(prefixBytes);
        int? textLength = Utf8Length(mail.TextBody, nameof(ProtectEmail.TextBody));
        int? htmlLength = Utf8Length(mail.HtmlBody, nameof(ProtectEmail.HtmlBody));
        var attachments = mail.Attachments is null ? null : new List<ProtectEmailManifestAttachment?>(mail.Attachments.Count);
        long payloadBytes = (textLength ?? 0) + (htmlLength ?? 0);
        for (var i = 0; i < (mail.Attachments?.Count ?? 0); i++)
        {
            var attachment = mail.Attachments![i];
            if (attachment is not null && attachment.Content is null)
            {
                throw new SerializationException($"Mail {mail.MailId}: Attachments[{i}].Content is null; an attachment needs content (an empty array for an empty file).");
            }

            attachments!.Add(attachment is null ? null : new ProtectEmailManifestAttachment
            {
                FileName = attachment.FileName,
                ContentType = attachment.ContentType,
                Length = attachment.Content.LongLength,
            });
            payloadBytes += attachment?.Content.LongLength ?? 0;
        }

        var manifest = JsonSerializer.SerializeToUtf8Bytes(
            new ProtectEmailManifest
            {
                From = mail.From,
                To = mail.To,
                Cc = mail.Cc,
                Bcc = mail.Bcc,
                Subject = mail.Subject,
                TextBodyLength = textLength,
                HtmlBodyLength = htmlLength,
                Attachments = attachments,
                Headers = mail.Headers,
                Policy = mail.Policy,
            },
            ProtectCommandJsonContext.Default.ProtectEmailManifest);
        long total = prefixBytes + ProtectCommandBinaryFormat.ManifestLengthBytes + manifest.LongLength + payloadBytes;
        if (total > Array.MaxLength)
        {
            throw new SerializationException($"Mail {mail.MailId} is {total} bytes in the binary format, above the largest array ({Array.MaxLength} bytes).");
        }

        // Not zeroed: every byte after the prefix is written below (lengths counted above), and the prefix is the caller's.
        // Nothing below throws once the array is there (the texts' UTF-8 lengths were counted above, strictly).
        length = (int)total;
        var body = pooled ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);
        var span = body.AsSpan(prefixBytes);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)manifest.Length);
        span = span[ProtectCommandBinaryFormat.ManifestLengthBytes..];
        manifest.CopyTo(span);
        span = span[manifest.Length..];
        span = WriteText(span, mail.TextBody);
        span = WriteText(span, mail.HtmlBody);
        foreach (var attachment in mail.Attachments ?? [])
        {
            if (attachment is not null)
            {
                attachment.Content.CopyTo(span);
                span = span[attachment.Content.Length..];
            }
        }

        return body;
    }

    private static int? Utf8Length(string? text, string field)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new SerializationException($"{field} is not valid Unicode (it holds a lone surrogate) and cannot be sent as UTF-8.");
        }
    }

    private static Span<byte> WriteText(Span<byte> span, string? text)
    {
        if (text is null)
        {
            return span;
        }

        var written = StrictUtf8.GetBytes(text, span);
        return span[written..];
    }
}
