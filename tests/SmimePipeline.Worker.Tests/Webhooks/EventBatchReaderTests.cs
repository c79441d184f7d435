using System.Text;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Tests.Webhooks;

/// <summary>SparkPost event batches mapped to recipients' fates.</summary>
public sealed class EventBatchReaderTests
{
    private static readonly Guid MailId = Guid.Parse("6a3c1f7e-2b1d-4c1a-9e51-0d3a4b5c6d7e");

    [Theory]
    [InlineData("delivery", null, RecipientFateKind.Delivered, null)]
    [InlineData("delay", null, RecipientFateKind.Delayed, null)]
    [InlineData("bounce", "10", RecipientFateKind.Bounced, true)]
    [InlineData("bounce", "21", RecipientFateKind.Bounced, false)]
    [InlineData("out_of_band", "30", RecipientFateKind.Bounced, true)]
    [InlineData("policy_rejection", null, RecipientFateKind.Bounced, true)]
    [InlineData("spam_complaint", null, RecipientFateKind.Complained, null)]
    public void Message_events_become_fates(string type, string? bounceClass, RecipientFateKind kind, bool? hard)
    {
        var classField = bounceClass is null ? "" : $"\"bounce_class\":\"{bounceClass}\",";
        var json = $$$$"""[{"msys":{"message_event":{"type":"{{{{type}}}}",{{{{classField}}}}"event_id":"92356927693813856","timestamp":"1764590400","transmission_id":"30223531425","rcpt_to":"bob@x.example","rcpt_meta":{"smime_mail_id":"{{{{MailId}}}}"},"raw_reason":"550 5.1.1 unknown"}}}]""";
        var entry = Assert.Single(EventBatchReader.Read(Encoding.UTF8.GetBytes(json), 10));
        var fate = Assert.IsType<RecipientFate>(entry.Fate);
        Assert.Equal((MailId, "bob@x.example", kind, hard, "30223531425"), (fate.MailId, fate.Recipient, fate.Kind, fate.Hard, fate.ProviderMessageId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764590400), fate.OccurredAt);
    }

    [Theory]
    [InlineData("""[{"msys":{"track_event":{"type":"open","event_id":"1"}}}]""", "ignored", "open")]
    [InlineData("""[{"msys":{"message_event":{"type":"injection","event_id":"1"}}}]""", "ignored", "injection")]
    [InlineData("""[{"msys":{}}]""", "not-event", "unknown")]
    [InlineData("""[{"msys":{"message_event":{"type":"delivery","event_id":"1","timestamp":"1764590400","rcpt_to":"b@x.example"}}}]""", "unmatched", "delivery")]
    [InlineData("""[{"msys":{"message_event":{"type":"delivery","event_id":"1","timestamp":"1764590400","rcpt_to":"b@x.example","rcpt_meta":{"smime_mail_id":"not-a-guid"}}}}]""", "unmatched", "delivery")]
    [InlineData("""[{"msys":{"message_event":{"type":"delivery","timestamp":"1764590400","rcpt_to":"b@x.example"}}}]""", "bad-field", "delivery")]
    [InlineData("""[{"msys":{"message_event":{"type":"delivery","event_id":"1","timestamp":"yesterday","rcpt_to":"b@x.example","rcpt_meta":{"smime_mail_id":"6a3c1f7e-2b1d-4c1a-9e51-0d3a4b5c6d7e"}}}}]""", "bad-field", "delivery")]
    public void Other_entries_are_counted_by_type_or_dropped_with_a_reason(string json, string outcome, string type)
    {
        var entry = Assert.Single(EventBatchReader.Read(Encoding.UTF8.GetBytes(json), 10));
        Assert.Null(entry.Fate);
        Assert.Equal((outcome, type), (entry.Outcome, entry.EventType));
    }
}
