namespace SmimePipeline.Contracts;

/// <summary>
/// Event: the recipient's mail server accepted the mail (the ESP reported a delivery). Published once per mail
/// and recipient by the webhooks role; its message id is derived from the ESP's event id, so a consumer can
/// recognise the rare re-publication after a crash.
/// </summary>
public sealed record EmailRecipientDelivered
{
    public required Guid MailId { get; init; }

    /// <summary>The recipient's address as the ESP reported it.</summary>
    public required string Recipient { get; init; }

    /// <summary>The ESP (<c>sparkpost</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The ESP's id of the transmission (SparkPost <c>transmission_id</c>), when known.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>When the ESP says the delivery happened.</summary>
    public required DateTimeOffset DeliveredAt { get; init; }
}
