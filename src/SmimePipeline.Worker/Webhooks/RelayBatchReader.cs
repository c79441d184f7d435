using System.Text;
using System.Text.Json;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// Reads a SparkPost Inbound Relay Webhook batch: a JSON array of <c>{"msys":{"relay_message":{…}}}</c> whose
/// <c>content.email_rfc822</c> is the received mail (base64 when <c>content.email_rfc822_is_base64</c> is true),
/// with the envelope in <c>msg_from</c> and <c>rcpt_to</c>. Every field is checked as if an attacker wrote it:
/// types, sizes, characters. A bad entry is dropped with its reason; the others still count.
/// </summary>
public static class RelayBatchReader
{
    /// <summary>The longest envelope address accepted (RFC 5321 §4.5.3.1: 64 + 1 + 255).</summary>
    public const int MaxAddressLength = 320;


    /// <summary>Parses <paramref name="body"/>.</summary>
    /// <returns>One entry per array element, in order.</returns>
    /// <exception cref="RelayBatchException">The body is not JSON, not an array, or has more than <paramref name="maxEntries"/> entries.</exception>
    public static IReadOnlyList<RelayBatchEntry> Read(ReadOnlyMemory<byte> body, int maxMailBytes, int maxEntries, DateTimeOffset receivedAt)
    {
        return WebhookBatch.Read(body, maxEntries, "relay messages", (index, element) => ReadEntry(index, element, maxMailBytes, receivedAt));
    }

    private static RelayBatchEntry ReadEntry(int index, JsonElement element, int maxMailBytes, DateTimeOffset receivedAt)
    {
        if (!TryGetObject(element, "msys", out var msys) || !TryGetObject(msys, "relay_message", out var relay))
        {
            return Drop(index, "not-relay-message", "the entry is not {\"msys\":{\"relay_message\":{…}}}");
        }

        if (!TryGetObject(relay, "content", out var content)
            || !content.TryGetProperty("email_rfc822", out var rfc822) || rfc822.ValueKind != JsonValueKind.String)
        {
            return Drop(index, "no-content", "relay_message.content.email_rfc822 is missing or not a string");
        }

        bool isBase64 = false;
        if (content.TryGetProperty("email_rfc822_is_base64", out var flag))
        {
            if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Drop(index, "no-content", "relay_message.content.email_rfc822_is_base64 is not a boolean");
            }

            isBase64 = flag.GetBoolean();
        }

        string text = rfc822.GetString()!;
        byte[] mail;
        if (isBase64)
        {
            // The decoded size is at most 3/4 of the text: refuse before allocating for an oversized one.
            if ((long)text.Length / 4 * 3 > maxMailBytes + 3L)
            {
                return Drop(index, "too-large", $"the mail exceeds {maxMailBytes} bytes");
            }

            var buffer = new byte[text.Length / 4 * 3 + 3];
            if (!Convert.TryFromBase64String(text, buffer, out int written))
            {
                return Drop(index, "bad-base64", "relay_message.content.email_rfc822 is not valid base64");
            }

            mail = buffer.AsSpan(0, written).ToArray();
        }
        else
        {
            if (Encoding.UTF8.GetByteCount(text) > maxMailBytes)
            {
                return Drop(index, "too-large", $"the mail exceeds {maxMailBytes} bytes");
            }

            mail = Encoding.UTF8.GetBytes(text);
        }

        if (mail.Length == 0)
        {
            return Drop(index, "no-content", "relay_message.content.email_rfc822 is empty");
        }

        if (mail.Length > maxMailBytes)
        {
            return Drop(index, "too-large", $"the mail has {mail.Length} bytes; at most {maxMailBytes} are accepted");
        }

        if (!TryReadAddress(relay, "msg_from", out var envelopeFrom) || !TryReadAddress(relay, "rcpt_to", out var envelopeTo))
        {
            return Drop(index, "bad-envelope", $"relay_message.msg_from or rcpt_to is not an address of at most {MaxAddressLength} printable characters");
        }

        var harvest = new HarvestCertificate
        {
            RequestId = HarvestIntake.RequestIdFor(mail),
            Mail = mail,
            Source = "sparkpost-relay",
            EnvelopeFrom = envelopeFrom,
            EnvelopeRecipient = envelopeTo,
            ReceivedAt = receivedAt,
        };
        return new RelayBatchEntry(index, harvest, null, null);
    }

    private static bool TryGetObject(JsonElement parent, string name, out JsonElement value)
    {
        value = default;
        return parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value) && value.ValueKind == JsonValueKind.Object;
    }

    /// <summary>An optional envelope address: absent, null or empty is fine; otherwise a printable ASCII string with one '@'.</summary>
    private static bool TryReadAddress(JsonElement relay, string name, out string? address)
    {
        address = null;
        if (!relay.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var text = value.GetString()!;
        if (text.Length == 0)
        {
            return true;
        }

        if (text.Length > MaxAddressLength || text.Any(c => c is <= ' ' or >= (char)127 or '<' or '>') || text.Count(c => c == '@') != 1)
        {
            return false;
        }

        address = text;
        return true;
    }

    private static RelayBatchEntry Drop(int index, string reason, string detail) => new(index, null, reason, detail);
}
