namespace SmimePipeline.Contracts;

/// <summary>Event: the ESP accepted the mail.</summary>
public sealed record EmailDelivered
{
    public required Guid MailId { get; init; }

    /// <summary>Which ESP client delivered it (<c>pickup</c>, <c>smtp</c>, <c>sparkpost</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>The ESP's own id for the mail (SMTP queue id, SparkPost transmission id, file name).</summary>
    public string? ProviderMessageId { get; init; }

    public IReadOnlyList<string> AcceptedRecipients { get; init; } = [];

    public required DateTimeOffset DeliveredAt { get; init; }
}
