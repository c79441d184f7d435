namespace SmimePipeline.Cryptography.Certificates;

/// <summary>What a certificate is validated for; decides the key usage bits required (RFC 8550 §4.4.2).</summary>
public enum CertificateUse
{
    /// <summary>Signing mail: digitalSignature.</summary>
    Signing,

    /// <summary>Encrypting to the certificate's key: keyEncipherment (RSA key transport).</summary>
    Encryption,
}
