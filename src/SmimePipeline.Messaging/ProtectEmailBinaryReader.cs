using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using SmimePipeline.Contracts;

namespace SmimePipeline.Messaging;

/// <summary>
/// Reads a binary <see cref="ProtectEmail"/>'s body as a stranger wrote it. Every rule of the framing is checked
/// before anything it claims is allocated: the body against the size limit, the manifest's declared length against
/// its limit and the body, each payload's declared length against what is left, and nothing may be left over. What
/// the fields mean (addresses, counts, header names, the policy, the exact size of the content) is the worker's
/// validator's, as for JSON, so the two formats are refused for the same reasons.
/// </summary>
internal static class ProtectEmailBinaryReader
{
    private const string Command = nameof(ProtectEmail);
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The mail <paramref name="body"/> carries, with the id from its header.</summary>
    /// <param name="body">The message body.</param>
    /// <param name="mailId">The mail id read from <see cref="ProtectCommandBinaryFormat.MailIdHeader"/>.</param>
    /// <param name="maxMessageBytes"><c>SmimePipeline:MaxMessageBytes</c>: the payloads may not exceed it.</param>
    /// <exception cref="ProtectCommandTooLargeException">The body is above the size limit.</exception>
    /// <exception cref="ProtectCommandFormatException">A rule of the framing is broken; the message names it.</exception>
    public static ProtectEmail Read(ReadOnlySpan<byte> body, Guid mailId, int maxMessageBytes)
    {
        var largest = ProtectCommandBinaryFormat.LargestBody(maxMessageBytes);
        if (body.Length > largest)
        {
            throw new ProtectCommandTooLargeException(Command, body.Length, maxMessageBytes, largest);
        }

        if (body.Length < ProtectCommandBinaryFormat.ManifestLengthBytes)
        {
            throw new ProtectCommandFormatException(Command, $"is {body.Length} bytes long: it ends before the 4-byte manifest length");
        }

        var manifestLength = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (manifestLength == 0)
        {
            throw new ProtectCommandFormatException(Command, "declares an empty manifest");
        }

        if (manifestLength > ProtectCommandBinaryFormat.MaxManifestBytes)
        {
            throw new ProtectCommandFormatException(Command, $"declares a manifest of {manifestLength} bytes, above the limit of {ProtectCommandBinaryFormat.MaxManifestBytes}");
        }

        var rest = body[ProtectCommandBinaryFormat.ManifestLengthBytes..];
        if (manifestLength > rest.Length)
        {
            throw new ProtectCommandFormatException(Command, $"is truncated: it declares a manifest of {manifestLength} bytes and ends after {rest.Length}");
        }

        var manifest = ReadManifest(rest[..(int)manifestLength]);
        var payloads = rest[(int)manifestLength..];
        CheckLengths(manifest, payloads.Length);

        var textBody = ReadText(ref payloads, manifest.TextBodyLength, nameof(ProtectEmail.TextBody));
        var htmlBody = ReadText(ref payloads, manifest.HtmlBodyLength, nameof(ProtectEmail.HtmlBody));
        List<MailAttachment>? attachments = null;
        if (manifest.Attachments is { } declared)
        {
            attachments = new List<MailAttachment>(declared.Count);
            foreach (var attachment in declared)
            {
                if (attachment is null)
                {
                    // Kept: the validator refuses it as Attachments[i] is null, as in JSON.
                    attachments.Add(null!);
                    continue;
                }

                var length = (int)attachment.Length;
                attachments.Add(new MailAttachment(attachment.FileName!, attachment.ContentType!, payloads[..length].ToArray()));
                payloads = payloads[length..];
            }
        }

        return new ProtectEmail
        {
            MailId = mailId,
            From = manifest.From!,
            To = manifest.To!,
            Cc = manifest.Cc!,
            Bcc = manifest.Bcc!,
            Subject = manifest.Subject!,
            TextBody = textBody,
            HtmlBody = htmlBody,
            Attachments = attachments!,
            Headers = manifest.Headers!,
            Policy = manifest.Policy!,
        };
    }

    private static ProtectEmailManifest ReadManifest(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            throw new ProtectCommandFormatException(Command, "has a manifest that is not valid UTF-8");
        }

        try
        {
            return JsonSerializer.Deserialize(json, ProtectCommandJsonContext.Default.ProtectEmailManifest)
                ?? throw new ProtectCommandFormatException(Command, "has a manifest that is JSON null, not an object");
        }
        catch (JsonException ex)
        {
            throw new ProtectCommandFormatException(Command, ProtectCommandJson.Describe(ex, "manifest"));
        }
    }

    // Before anything is allocated: every length non-negative and within what is left, and nothing left over.
    private static void CheckLengths(ProtectEmailManifest manifest, long available)
    {
        long left = available;
        Take(ref left, manifest.TextBodyLength, "textBodyLength");
        Take(ref left, manifest.HtmlBodyLength, "htmlBodyLength");
        for (var i = 0; i < (manifest.Attachments?.Count ?? 0); i++)
        {
            Take(ref left, manifest.Attachments![i]?.Length, $"attachments[{i}].length");
        }

        if (left > 0)
        {
            throw new ProtectCommandFormatException(Command, $"has {left} bytes after its last payload (trailing bytes are refused)");
        }
    }

    private static void Take(ref long left, long? length, string field)
    {
        if (length is not { } bytes)
        {
            return;
        }

        if (bytes < 0)
        {
            throw new ProtectCommandFormatException(Command, $"declares a negative {field}");
        }

        if (bytes > left)
        {
            throw new ProtectCommandFormatException(Command, $"is truncated: its {field} is {bytes.ToString(CultureInfo.InvariantCulture)} bytes and only {left} remain in the body");
        }

        left -= bytes;
    }

    private static string? ReadText(ref ReadOnlySpan<byte> payloads, long? length, string field)
    {
        if (length is not { } bytes)
        {
            return null;
        }

        var text = payloads[..(int)bytes];
        payloads = payloads[(int)bytes..];
        try
        {
            return StrictUtf8.GetString(text);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtectCommandFormatException(Command, $"has a {field} that is not valid UTF-8");
        }
    }
}
