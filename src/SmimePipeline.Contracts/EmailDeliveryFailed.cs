namespace SmimePipeline.Contracts;

/// <summary>
/// Event: the mail will not be delivered; it is in the dead-letter (error) queue with the same reason.
/// </summary>
public sealed record EmailDeliveryFailed
{
    public required Guid MailId { get; init; }

    public required FailureStage Stage { get; init; }

    /// <summary>A machine-readable reason, e.g. <c>recipient-certificate-missing</c>.</summary>
    public required string ReasonCode { get; init; }

    /// <summary>A sentence for operators naming the cause (which address, which certificate, which rule).</summary>
    public required string Reason { get; init; }

    public required DateTimeOffset FailedAt { get; init; }

    /// <summary>Per-recipient outcomes (encrypted, signed-only, refused with a reason); empty when not determined.</summary>
    public IReadOnlyList<RecipientOutcome> Recipients { get; init; } = [];
}
