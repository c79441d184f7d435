namespace SmimePipeline.Worker.Validation;

/// <summary>
/// Why a message from the bus is refused before any work is done on it: a stable reason code for the
/// dead-letter headers, events and metrics, and a sentence naming the field or rule, never content.
/// </summary>
/// <param name="ReasonCode">Kebab-case, e.g. <c>invalid-message</c>, <c>message-too-large</c>, <c>not-protected</c>, <c>claim-refused</c>.</param>
/// <param name="Reason">A sentence for operators naming the field and the rule it broke.</param>
public sealed record MailRefusal(string ReasonCode, string Reason)
{
    /// <summary>Reason code of a contract field that breaks a rule.</summary>
    public const string InvalidMessage = "invalid-message";

    /// <summary>Reason code of a message or protected mail above <c>SmimePipeline:MaxMessageBytes</c>.</summary>
    public const string MessageTooLarge = "message-too-large";

    /// <summary>Reason code of a mail whose bytes are not S/MIME as its policy says.</summary>
    public const string NotProtected = "not-protected";

    /// <summary>Reason code of a content address that is not a claim this pipeline minted, or whose claim is unusable.</summary>
    public const string ClaimRefused = "claim-refused";

    /// <summary>Reason code of a well-formed claim whose file is not in the claim directory (deleted, or the volume is not shared).</summary>
    public const string ClaimMissing = "claim-missing";

    /// <summary>A refusal of field <paramref name="field"/>.</summary>
    public static MailRefusal Field(string field, string rule) => new(InvalidMessage, $"{field} {rule}.");
}
