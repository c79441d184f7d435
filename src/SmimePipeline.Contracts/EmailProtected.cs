namespace SmimePipeline.Contracts;

/// <summary>Event: the mail was signed and/or encrypted and handed to the sender role.</summary>
public sealed record EmailProtected
{
    public required Guid MailId { get; init; }

    /// <summary>Whether a signature was applied, and with which algorithm (e.g. <c>sha256WithRSAEncryption</c>).</summary>
    public string? SignatureAlgorithm { get; init; }

    /// <summary>The content cipher (e.g. <c>aes256-cbc</c>), or <see langword="null"/> when not encrypted.</summary>
    public string? ContentCipher { get; init; }

    /// <summary>Size of the protected message in bytes.</summary>
    public long ProtectedSize { get; init; }

    public required DateTimeOffset ProtectedAt { get; init; }

    /// <summary>Per-recipient outcomes (encrypted, signed-only, refused with a reason); empty when not determined.</summary>
    public IReadOnlyList<RecipientOutcome> Recipients { get; init; } = [];
}
