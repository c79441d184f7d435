namespace SmimePipeline.Contracts;

/// <summary>Event: the recipient marked the mail as spam (a feedback loop report reached the ESP).</summary>
public sealed record EmailRecipientComplained
{
    public required Guid MailId { get; init; }

    /// <summary>The recipient's address as the ESP reported it.</summary>
    public required string Recipient { get; init; }

    /// <summary>The ESP (<c>sparkpost</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The ESP's id of the transmission, when known.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>The feedback type of the report (<c>abuse</c>, <c>fraud</c>, …), when given.</summary>
    public string? FeedbackType { get; init; }

    /// <summary>When the ESP says the complaint arrived.</summary>
    public required DateTimeOffset ComplainedAt { get; init; }
}
