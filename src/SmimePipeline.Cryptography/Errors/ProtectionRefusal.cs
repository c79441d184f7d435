namespace SmimePipeline.Cryptography.Errors;

/// <summary>Why the protect stage refused a mail. Each value maps to a stable reason code.</summary>
public enum ProtectionRefusal
{
    /// <summary>No signer identity exists for the sender address.</summary>
    SignerKeyMissing,

    /// <summary>A recipient has no certificate and the policy requires encryption.</summary>
    RecipientCertificateMissing,

    /// <summary>A certificate is outside its validity period.</summary>
    CertificateExpired,

    /// <summary>A certificate's key usage or extended key usage does not allow the operation.</summary>
    KeyUsageNotAllowed,

    /// <summary>The address is not in the certificate.</summary>
    AddressNotInCertificate,

    /// <summary>The key is too weak (RSA below 2048 bits) or of an unsupported type.</summary>
    KeyTooWeak,

    /// <summary>The policy does not allow the algorithm.</summary>
    AlgorithmNotAllowed,

    /// <summary>The message itself cannot be protected (no sender, no recipient, unreadable MIME).</summary>
    InvalidMessage,

    /// <summary>The certificate does not chain to a configured trust anchor (RFC 5280 §6).</summary>
    ChainNotTrusted,

    /// <summary>A CRL or OCSP response says the certificate (or a CA above it) is revoked.</summary>
    CertificateRevoked,

    /// <summary>No CRL or OCSP answer could be had and the revocation policy is strict.</summary>
    RevocationStatusUnknown,

    /// <summary>A header breaks RFC 5322: its name, a NUL, a bare CR or LF, a line over 998 octets, or all headers over the size limit.</summary>
    InvalidHeader,
}
