namespace SmimePipeline.Delivery.Ledger;

/// <summary>One event in a mail's story at one recipient, as the ESP reported it.</summary>
/// <param name="EventId">The ESP's unique id of the event (SparkPost <c>event_id</c>): the key that makes a redelivered event count once.</param>
/// <param name="MailId">The pipeline's mail id (from the transmission's metadata).</param>
/// <param name="Recipient">The recipient's address.</param>
/// <param name="Kind">What happened.</param>
/// <param name="EspEventType">The ESP's own event type (<c>delivery</c>, <c>bounce</c>, <c>out_of_band</c>, <c>policy_rejection</c>, …).</param>
/// <param name="OccurredAt">When the ESP says it happened.</param>
/// <param name="Provider">The ESP (<c>sparkpost</c>).</param>
/// <param name="ProviderMessageId">The ESP's transmission id, when given.</param>
/// <param name="BounceClass">The ESP's bounce class, for bounces.</param>
/// <param name="Hard">Hard (true) or soft (false) bounce; null when not a bounce.</param>
/// <param name="RemoteAnswer">The remote server's answer or the complaint's feedback type, when given (at most 1000 characters).</param>
public sealed record RecipientFate(
    string EventId,
    Guid MailId,
    string Recipient,
    RecipientFateKind Kind,
    string EspEventType,
    DateTimeOffset OccurredAt,
    string Provider,
    string? ProviderMessageId,
    int? BounceClass,
    bool? Hard,
    string? RemoteAnswer);
