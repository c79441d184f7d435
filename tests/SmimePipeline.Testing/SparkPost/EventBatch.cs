using System.Globalization;
using System.Text.Json;

namespace SmimePipeline.Testing.SparkPost;

/// <summary>
/// SparkPost event webhook batches as SparkPost documents them: a JSON array of
/// <c>{"msys":{"message_event":{…}}}</c> (or <c>track_event</c>, …) whose message events carry <c>type</c>,
/// <c>event_id</c>, <c>timestamp</c> (Unix seconds as a string), <c>transmission_id</c>, <c>rcpt_to</c>, the
/// transmission's metadata in <c>rcpt_meta</c>, and for bounces <c>bounce_class</c>, <c>raw_reason</c>, <c>reason</c>,
/// <c>error_code</c>.
/// </summary>
public static class EventBatch
{
    /// <summary>A <c>delivery</c> message event for <paramref name="recipient"/> of an accepted transmission.</summary>
    public static Dictionary<string, object> Delivery(RecordedTransmission transmission, string recipient, DateTimeOffset at) =>
        MessageEvent("delivery", transmission, recipient, at, new() { ["delv_method"] = "esmtp", ["queue_time"] = "1520" });

    /// <summary>A <c>bounce</c> (or <c>out_of_band</c>) message event with SparkPost's bounce class and the remote answer.</summary>
    public static Dictionary<string, object> Bounce(RecordedTransmission transmission, string recipient, DateTimeOffset at, int bounceClass, string rawReason, string type = "bounce") =>
        MessageEvent(type, transmission, recipient, at, new()
        {
            ["bounce_class"] = bounceClass.ToString(CultureInfo.InvariantCulture),
            ["raw_reason"] = rawReason,
            ["reason"] = rawReason,
            ["error_code"] = rawReason[..3],
        });

    /// <summary>A <c>spam_complaint</c> message event.</summary>
    public static Dictionary<string, object> SpamComplaint(RecordedTransmission transmission, string recipient, DateTimeOffset at) =>
        MessageEvent("spam_complaint", transmission, recipient, at, new() { ["fbtype"] = "abuse", ["report_by"] = "server.isp.example", ["report_to"] = "abuse.example" });

    /// <summary>An <c>open</c> track event (not a fate: counted and ignored).</summary>
    public static Dictionary<string, object> Open(RecordedTransmission transmission, string recipient, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        return new()
        {
            ["msys"] = new Dictionary<string, object>
            {
                ["track_event"] = new Dictionary<string, object>
                {
                    ["type"] = "open",
                    ["event_id"] = NewEventId(),
                    ["timestamp"] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                    ["transmission_id"] = transmission.TransmissionId ?? "",
                    ["rcpt_to"] = recipient,
                    ["rcpt_meta"] = new Dictionary<string, object> { ["smime_mail_id"] = transmission.MailId ?? "" },
                    ["user_agent"] = "Mozilla/5.0",
                },
            },
        };
    }

    /// <summary>The batch's JSON text.</summary>
    public static string Create(params Dictionary<string, object>[] events) => JsonSerializer.Serialize(events);

    private static Dictionary<string, object> MessageEvent(string type, RecordedTransmission transmission, string recipient, DateTimeOffset at, Dictionary<string, object> extra)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        var data = new Dictionary<string, object>
        {
            ["type"] = type,
            ["event_id"] = NewEventId(),
            ["timestamp"] = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["transmission_id"] = transmission.TransmissionId ?? "",
            ["message_id"] = "0004e3724f57753a3561",
            ["customer_id"] = "1",
            ["subaccount_id"] = 0,
            ["rcpt_to"] = recipient,
            ["raw_rcpt_to"] = recipient,
            ["rcpt_meta"] = new Dictionary<string, object> { ["smime_mail_id"] = transmission.MailId ?? "" },
            ["rcpt_tags"] = Array.Empty<string>(),
            ["tags"] = Array.Empty<string>(),
            ["campaign_id"] = "",
            ["template_id"] = "",
            ["friendly_from"] = "statements@bank.example",
            ["msg_from"] = "bounces@bank.example",
            ["msg_size"] = "1234",
            ["num_retries"] = "0",
            ["routing_domain"] = recipient[(recipient.IndexOf('@', StringComparison.Ordinal) + 1)..],
            ["sending_ip"] = "192.0.2.10",
            ["ip_address"] = "198.51.100.20",
        };
        foreach (var (key, value) in extra)
        {
            data[key] = value;
        }

        return new() { ["msys"] = new Dictionary<string, object> { ["message_event"] = data } };
    }

    // SparkPost's event ids are large decimal numbers.
    private static string NewEventId() => Random.Shared.NextInt64(1_000_000_000_000_000, long.MaxValue).ToString(CultureInfo.InvariantCulture);
}
