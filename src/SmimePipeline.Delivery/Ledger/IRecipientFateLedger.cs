namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The delivery ledger's per-recipient story (tables <c>smime_recipient_events</c> and
/// <c>smime_webhook_batches</c> next to <c>smime_delivery_ledger</c>, in the same database): what the ESP
/// reported for each mail and recipient after it accepted the mail, each event once, and which webhook batches
/// were fully processed.
/// </summary>
public interface IRecipientFateLedger
{
    /// <summary>Records <paramref name="fate"/> unless an event with its id is already there.</summary>
    /// <returns>True when it was new (count it); false for an event already recorded.</returns>
    Task<bool> RecordAsync(RecipientFate fate, CancellationToken cancellationToken);

    /// <summary>Whether the bus event for <paramref name="eventId"/> was published (and confirmed).</summary>
    Task<bool> IsPublishedAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Marks the bus event for <paramref name="eventId"/> published.</summary>
    Task MarkPublishedAsync(string eventId, CancellationToken cancellationToken);

    /// <summary>Whether the webhook batch <paramref name="batchId"/> was already processed to the end.</summary>
    Task<bool> IsBatchDoneAsync(string batchId, CancellationToken cancellationToken);

    /// <summary>Marks the webhook batch <paramref name="batchId"/> processed.</summary>
    Task MarkBatchDoneAsync(string batchId, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Every event of one mail, oldest first.</summary>
    Task<IReadOnlyList<RecipientFate>> ListAsync(Guid mailId, CancellationToken cancellationToken);

    /// <summary>Events of one kind since <paramref name="since"/>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RecipientFate>> ListAsync(RecipientFateKind kind, DateTimeOffset since, int limit, CancellationToken cancellationToken);
}
