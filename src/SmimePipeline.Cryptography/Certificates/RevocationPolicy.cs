namespace SmimePipeline.Cryptography.Certificates;

/// <summary>What to do when a certificate names a revocation source (CRL distribution point, OCSP responder) that cannot be reached.</summary>
public enum RevocationPolicy
{
    /// <summary>Refuse the certificate (<c>revocation-status-unknown</c>). The default.</summary>
    Strict,

    /// <summary>Use the certificate and report a warning; a definite "revoked" still refuses.</summary>
    Lenient,

    /// <summary>Do not check revocation at all (offline laptops, demos).</summary>
    Off,
}
