namespace SmimePipeline.Contracts;

/// <summary>
/// Command: take the recipient certificate from this signed mail into the directory (after verifying the
/// mail's DKIM signature and its alignment with the From domain, the S/MIME signature, the chain, and that the
/// signer is the From address). Published to the <c>smime-harvest</c> queue.
/// </summary>
public sealed record HarvestCertificate
{
    public required Guid RequestId { get; init; }

    /// <summary>The signed mail, RFC 5322 bytes exactly as received (DKIM verifies these bytes).</summary>
    public required byte[] Mail { get; init; }

    /// <summary>
    /// Where the mail came in: <c>sparkpost-relay</c>, <c>raw</c>, or null (a producer or <c>smime certs harvest</c>).
    /// Logged with the outcome; it grants nothing.
    /// </summary>
    public string? Source { get; init; }

    /// <summary>The SMTP envelope sender (MAIL FROM) as the inbound relay reported it, when known.</summary>
    public string? EnvelopeFrom { get; init; }

    /// <summary>The SMTP envelope recipient (RCPT TO) as the inbound relay reported it, when known.</summary>
    public string? EnvelopeRecipient { get; init; }

    /// <summary>When the webhook received the mail, when it came in through one.</summary>
    public DateTimeOffset? ReceivedAt { get; init; }
}
