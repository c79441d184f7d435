namespace SmimePipeline.Contracts;

/// <summary>
/// Command: protect an existing RFC 5322 message (an .eml) as it is, then deliver it.
/// Sender and recipients are read from its From, To, Cc and Bcc headers (Bcc is removed before sending).
/// </summary>
public sealed record ProtectMimeMessage
{
    public required Guid MailId { get; init; }

    /// <summary>The whole message, headers and body, as RFC 5322 bytes.</summary>
    public required byte[] Message { get; init; }

    public SecurityPolicy Policy { get; init; } = SecurityPolicy.SignAndEncrypt;
}
