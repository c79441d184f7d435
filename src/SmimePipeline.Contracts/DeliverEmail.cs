namespace SmimePipeline.Contracts;

/// <summary>
/// Command from the signer role to the sender role: hand these protected bytes to the ESP.
/// Sent to the <c>smime-deliver</c> queue. The sender role needs no key material to process it.
/// </summary>
public sealed record DeliverEmail
{
    public required Guid MailId { get; init; }

    /// <summary>The envelope sender (SMTP MAIL FROM).</summary>
    public required string EnvelopeFrom { get; init; }

    /// <summary>The envelope recipients (SMTP RCPT TO): To, Cc and Bcc.</summary>
    public required IReadOnlyList<string> EnvelopeTo { get; init; }

    /// <summary>The signed and/or encrypted message, ready to send as it is; empty when <see cref="ContentAddress"/> is set.</summary>
    public required byte[] Content { get; init; }

    /// <summary>
    /// Set for mail above the claim-check threshold: the message is not in <see cref="Content"/> but in the
    /// pipeline's message-data repository at this address (claim check, so queue messages stay small).
    /// </summary>
    public Uri? ContentAddress { get; init; }

    /// <summary>How many delivery attempts have already failed (0 on the first).</summary>
    public int Attempt { get; init; }

    /// <summary>
    /// What the signer applied. The sender delivers only bytes that are S/MIME as this says. Optional for
    /// compatibility with signers that do not send it: when <see langword="null"/> the mail must be signed
    /// (multipart/signed or signed-data) or enveloped (the signer's sign-then-encrypt default, whose
    /// signature is inside the envelope).
    /// </summary>
    public AppliedProtection? Protection { get; init; }
}
