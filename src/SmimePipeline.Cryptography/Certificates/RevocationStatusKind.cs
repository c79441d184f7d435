namespace SmimePipeline.Cryptography.Certificates;

/// <summary>The outcome of a revocation check.</summary>
public enum RevocationStatusKind
{
    /// <summary>A current, correctly signed CRL or OCSP response says the certificate is not revoked.</summary>
    Good,

    /// <summary>A current, correctly signed CRL or OCSP response says the certificate is revoked.</summary>
    Revoked,

    /// <summary>Sources are named but none gave a usable answer (unreachable, unsigned, stale, "unknown").</summary>
    Unknown,

    /// <summary>Nothing to check against.</summary>
    NoSource,
}
