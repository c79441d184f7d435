using SmimePipeline.Contracts;

namespace SmimePipeline.Cryptography.Errors;

/// <summary>
/// The protect stage refused the mail for a reason the user can fix; retrying will not help.
/// The message names the cause and the address or certificate involved, never content or keys.
/// </summary>
public sealed class ProtectionRefusedException : Exception, IHasReasonCode
{
    public ProtectionRefusedException(ProtectionRefusal refusal, string? address, string message)
        : base(message)
    {
        Refusal = refusal;
        Address = address;
    }

    public ProtectionRefusedException()
        : this(ProtectionRefusal.InvalidMessage, null, "The mail could not be protected.")
    {
    }

    public ProtectionRefusedException(string message)
        : this(ProtectionRefusal.InvalidMessage, null, message)
    {
    }

    public ProtectionRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Refusal = ProtectionRefusal.InvalidMessage;
    }

    /// <summary>The kind of refusal.</summary>
    public ProtectionRefusal Refusal { get; }

    /// <summary>The address concerned, when there is one.</summary>
    public string? Address { get; }

    /// <summary>A stable, kebab-case reason code for events, metrics and dead-letter headers.</summary>
    public string ReasonCode => ReasonCodeOf(Refusal);

    /// <summary>The stable, kebab-case reason code of <paramref name="refusal"/>.</summary>
    public static string ReasonCodeOf(ProtectionRefusal refusal) => refusal switch
    {
        ProtectionRefusal.SignerKeyMissing => "signer-key-missing",
        ProtectionRefusal.RecipientCertificateMissing => "recipient-certificate-missing",
        ProtectionRefusal.CertificateExpired => "certificate-expired",
        ProtectionRefusal.KeyUsageNotAllowed => "key-usage-not-allowed",
        ProtectionRefusal.AddressNotInCertificate => "address-not-in-certificate",
        ProtectionRefusal.KeyTooWeak => "key-too-weak",
        ProtectionRefusal.AlgorithmNotAllowed => "algorithm-not-allowed",
        ProtectionRefusal.ChainNotTrusted => "chain-not-trusted",
        ProtectionRefusal.CertificateRevoked => "certificate-revoked",
        ProtectionRefusal.RevocationStatusUnknown => "revocation-status-unknown",
        ProtectionRefusal.InvalidHeader => "invalid-header",
        _ => "invalid-message",
    };

    /// <summary>Always true: the same mail would be refused again.</summary>
    bool IHasReasonCode.IsPermanent => true;
}
