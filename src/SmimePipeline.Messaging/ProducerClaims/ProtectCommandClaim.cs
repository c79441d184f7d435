namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// What travels on <c>smime-protect</c> (or <c>smime-protect-large</c>) instead of a large <c>ProtectEmail</c> or
/// <c>ProtectMimeMessage</c>: the mail id and where and what the stored command is. A few hundred bytes of JSON, so the
/// quorum queue's write-ahead log never carries the megabytes that held small mails up (issue 17, target 2). The
/// signer takes nothing here on trust: it parses <see cref="ClaimAddress"/> strictly, refuses a length above its limit
/// before reading, and refuses a stored claim whose length, SHA-256 or mail id differ from these fields.
/// </summary>
public sealed record ProtectCommandClaim
{
    /// <summary>The mail's id; must equal the id inside the stored command.</summary>
    public Guid MailId { get; init; }

    /// <summary>The claim's address, <c>urn:smime-protect-claim:&lt;32 lower-case hex digits&gt;</c> (<see cref="ProtectClaimId"/>).</summary>
    public string? ClaimAddress { get; init; }

    /// <summary>The stored claim's length in bytes (<see cref="ProtectClaimContent"/>).</summary>
    public long Length { get; init; }

    /// <summary>The SHA-256 of the stored claim, 64 lower-case hexadecimal digits.</summary>
    public string? Sha256 { get; init; }
}
