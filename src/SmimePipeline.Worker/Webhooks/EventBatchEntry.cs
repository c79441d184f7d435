using SmimePipeline.Delivery.Ledger;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>One entry of a SparkPost event batch after validation.</summary>
/// <param name="Index">The entry's position in the batch.</param>
/// <param name="EventType">SparkPost's event type (<c>delivery</c>, <c>bounce</c>, <c>open</c>, …) or the event class when it has none.</param>
/// <param name="Fate">The recipient's fate to record; null when the entry is not one.</param>
/// <param name="Outcome">
/// <c>fate</c> (recorded), <c>ignored</c> (a valid event of a type that is not a fate: counted by type), or why it
/// was dropped: <c>not-event</c>, <c>bad-field</c>, <c>unmatched</c> (no <c>rcpt_meta.smime_mail_id</c>: not one of our mails).
/// </param>
/// <param name="Detail">What was wrong, naming the field; never content.</param>
public sealed record EventBatchEntry(int Index, string EventType, RecipientFate? Fate, string Outcome, string? Detail);
