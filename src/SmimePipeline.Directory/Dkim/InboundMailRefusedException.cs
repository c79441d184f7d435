namespace SmimePipeline.CertificateDirectory.Dkim;

/// <summary>
/// An inbound mail was refused before its certificate was looked at: no DKIM signature, none that verifies,
/// none aligned with the From domain, or not S/MIME signed at all. Retrying will not help. The message names
/// the cause, the From address and the signing domain; never the mail's content.
/// </summary>
public sealed class InboundMailRefusedException : Exception
{
    /// <summary>Creates the refusal.</summary>
    /// <param name="reasonCode">A stable kebab-case reason (see <see cref="InboundRefusalReasons"/>).</param>
    /// <param name="address">The From address, when the mail has one.</param>
    /// <param name="message">The cause, for logs and the error queue.</param>
    public InboundMailRefusedException(string reasonCode, string? address, string message)
        : base(message)
    {
        ReasonCode = reasonCode;
        Address = address;
    }

    public InboundMailRefusedException()
        : this(InboundRefusalReasons.DkimFailed, null, "The inbound mail was refused.")
    {
    }

    public InboundMailRefusedException(string message)
        : this(InboundRefusalReasons.DkimFailed, null, message)
    {
    }

    public InboundMailRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        ReasonCode = InboundRefusalReasons.DkimFailed;
    }

    /// <summary>The stable reason code for metrics and the error queue.</summary>
    public string ReasonCode { get; }

    /// <summary>The From address, when known.</summary>
    public string? Address { get; }
}
