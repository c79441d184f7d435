namespace SmimePipeline.Contracts;

/// <summary>
/// Command: build this mail, sign it and encrypt it as <see cref="Policy"/> says, then deliver it.
/// Published by producer services to the <c>smime-protect</c> queue.
/// </summary>
public sealed record ProtectEmail
{
    /// <summary>The mail's id; the same id follows it through every event and the delivery ledger.</summary>
    public required Guid MailId { get; init; }

    /// <summary>The sender; a signer identity must exist for exactly this address.</summary>
    public required MailAddress From { get; init; }

    public IReadOnlyList<MailAddress> To { get; init; } = [];

    public IReadOnlyList<MailAddress> Cc { get; init; } = [];

    /// <summary>Blind copies: they get the mail but never appear in its headers.</summary>
    public IReadOnlyList<MailAddress> Bcc { get; init; } = [];

    public string Subject { get; init; } = "";

    /// <summary>The plain-text body, or <see langword="null"/>.</summary>
    public string? TextBody { get; init; }

    /// <summary>The HTML body, or <see langword="null"/>.</summary>
    public string? HtmlBody { get; init; }

    public IReadOnlyList<MailAttachment> Attachments { get; init; } = [];

    /// <summary>Extra headers (e.g. <c>X-Customer-Ref</c>). Structural headers are refused.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public SecurityPolicy Policy { get; init; } = SecurityPolicy.SignAndEncrypt;
}
