using System.Globalization;
using System.Text.Json;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Delivery.SparkPost;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// Reads a SparkPost event webhook batch: a JSON array of <c>{"msys":{"&lt;class&gt;_event":{…}}}</c>. Message
/// events about a mail's fate (<c>delivery</c>, <c>delay</c>, <c>bounce</c>, <c>out_of_band</c>,
/// <c>policy_rejection</c>, <c>spam_complaint</c>) become <see cref="RecipientFate"/>s, mapped to our mail by the
/// <c>smime_mail_id</c> the transport put in the transmission's metadata (SparkPost returns it in <c>rcpt_meta</c>).
/// Every field is checked for type and size as if an attacker wrote it.
/// </summary>
public static class EventBatchReader
{
    /// <summary>The provider name recorded with each fate.</summary>
    public const string Provider = "sparkpost";

    private const int MaxIdLength = 128;
    private const int MaxAnswerLength = 1000;

    /// <summary>Parses <paramref name="body"/>.</summary>
    /// <exception cref="RelayBatchException">The body is not JSON, not an array, or has more than <paramref name="maxEntries"/> entries.</exception>
    public static IReadOnlyList<EventBatchEntry> Read(ReadOnlyMemory<byte> body, int maxEntries)
    {
        return WebhookBatch.Read(body, maxEntries, "events", ReadEntry);
    }

    private static EventBatchEntry ReadEntry(int index, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("msys", out var msys) || msys.ValueKind != JsonValueKind.Object)
        {
            return new EventBatchEntry(index, "unknown", null, "not-event", "the entry is not {\"msys\":{…}}");
        }

        // SparkPost's test batch and its pings carry an empty msys.
        var classes = msys.EnumerateObject().ToList();
        if (classes.Count != 1 || classes[0].Value.ValueKind != JsonValueKind.Object)
        {
            return new EventBatchEntry(index, "unknown", null, "not-event", "msys must hold exactly one event object");
        }

        var eventClass = Clip(classes[0].Name, 64);
        var data = classes[0].Value;
        var type = ReadString(data, "type", 64) ?? eventClass;
        if (eventClass != "message_event" || !IsFate(type))
        {
            return new EventBatchEntry(index, type, null, "ignored", null);
        }

        var eventId = ReadString(data, "event_id", MaxIdLength);
        var recipient = ReadString(data, "rcpt_to", RelayBatchReader.MaxAddressLength);
        if (eventId is null || recipient is null || !recipient.Contains('@', StringComparison.Ordinal) || recipient.Any(c => c is <= ' ' or >= (char)127))
        {
            return new EventBatchEntry(index, type, null, "bad-field", "event_id or rcpt_to is missing or not an id/address");
        }

        if (!data.TryGetProperty("rcpt_meta", out var meta) || meta.ValueKind != JsonValueKind.Object
            || ReadString(meta, "smime_mail_id", 64) is not { } mailIdText || !Guid.TryParse(mailIdText, out var mailId))
        {
            return new EventBatchEntry(index, type, null, "unmatched", "rcpt_meta.smime_mail_id is missing or not a mail id");
        }

        if (!TryReadTimestamp(data, out var at))
        {
            return new EventBatchEntry(index, type, null, "bad-field", "timestamp is missing or not Unix seconds");
        }

        int? bounceClass = null;
        if (ReadString(data, "bounce_class", 8) is { } classText)
        {
            if (!int.TryParse(classText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return new EventBatchEntry(index, type, null, "bad-field", "bounce_class is not a number");
            }

            bounceClass = parsed;
        }
        else if (data.TryGetProperty("bounce_class", out var classNumber) && classNumber.ValueKind == JsonValueKind.Number && classNumber.TryGetInt32(out var number))
        {
            bounceClass = number;
        }

        var kind = type switch
        {
            "delivery" => RecipientFateKind.Delivered,
            "delay" => RecipientFateKind.Delayed,
            "spam_complaint" => RecipientFateKind.Complained,
            _ => RecipientFateKind.Bounced,
        };
        bool? hard = kind == RecipientFateKind.Bounced
            ? bounceClass is int c ? SparkPostBounceClass.IsHard(c) : type == "policy_rejection"
            : null;
        string? answer = kind == RecipientFateKind.Complained
            ? ReadString(data, "fbtype", 64)
            : ReadString(data, "raw_reason", MaxAnswerLength) ?? ReadString(data, "reason", MaxAnswerLength);
        var fate = new RecipientFate(
            eventId, mailId, recipient, kind, type, at, Provider, ReadString(data, "transmission_id", MaxIdLength), bounceClass, hard, answer);
        return new EventBatchEntry(index, type, fate, "fate", null);
    }

    private static bool IsFate(string type) => type is "delivery" or "delay" or "bounce" or "out_of_band" or "policy_rejection" or "spam_complaint";

    /// <summary>A string property, control characters removed and clipped to <paramref name="max"/>; null when absent, empty or not a string.</summary>
    private static string? ReadString(JsonElement data, string name, int max)
    {
        if (!data.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = new string(value.GetString()!.Where(c => !char.IsControl(c)).ToArray()).Trim();
        return text.Length == 0 ? null : Clip(text, max);
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..max];

    private static bool TryReadTimestamp(JsonElement data, out DateTimeOffset at)
    {
        at = default;
        if (!data.TryGetProperty("timestamp", out var value))
        {
            return false;
        }

        long seconds;
        if (value.ValueKind == JsonValueKind.String)
        {
            if (!long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out seconds))
            {
                return false;
            }
        }
        else if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out seconds))
        {
            return false;
        }

        // Between 2000 and 2100: anything else is not a real event time.
        if (seconds is < 946_684_800 or > 4_102_444_800)
        {
            return false;
        }

        at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}
