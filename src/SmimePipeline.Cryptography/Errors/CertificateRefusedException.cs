namespace SmimePipeline.Cryptography.Errors;

/// <summary>
/// A certificate or CRL offered for import was refused for a reason the operator can check (forged or
/// untrusted CRL, a leaf offered as a trust anchor, an address that cannot be filed). Nothing of it was stored.
/// The message names the certificate or CRL and the rule; never key material.
/// </summary>
public sealed class CertificateRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reasonCode">A stable, kebab-case reason code (for example <c>crl-signature-invalid</c>).</param>
    /// <param name="message">One line naming the cause.</param>
    public CertificateRefusedException(string reasonCode, string message)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reasonCode);
        ReasonCode = reasonCode;
    }

    public CertificateRefusedException()
        : this("certificate-refused", "The certificate or CRL was refused.")
    {
    }

    public CertificateRefusedException(string message)
        : this("certificate-refused", message)
    {
    }

    public CertificateRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
        ReasonCode = "certificate-refused";
    }

    /// <summary>The stable reason code.</summary>
    public string ReasonCode { get; }
}
