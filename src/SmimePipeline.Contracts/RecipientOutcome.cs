namespace SmimePipeline.Contracts;

/// <summary>What happened for one recipient of a mail.</summary>
public sealed record RecipientOutcome
{
    public required string Address { get; init; }

    /// <summary><c>encrypted</c>, <c>signed-only</c> or <c>refused</c>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Why, for <c>signed-only</c> and <c>refused</c>: a reason code such as <c>certificate-revoked</c>.</summary>
    public string? ReasonCode { get; init; }

    /// <summary>A sentence for operators naming the certificate and the rule.</summary>
    public string? Reason { get; init; }
}
