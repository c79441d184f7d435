namespace SmimePipeline.Cryptography.Certificates;

/// <summary>What revocation checking found for one certificate.</summary>
/// <param name="Kind">Good, revoked, unknown, or not checkable (the certificate names no source).</param>
/// <param name="Detail">Which source answered or failed, and when revoked, since when; never content.</param>
public sealed record RevocationStatus(RevocationStatusKind Kind, string Detail)
{
    /// <summary>Until when the answer holds (the CRL's or OCSP response's nextUpdate), when it says.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>No source is named and no CRL for the issuer is imported.</summary>
    public static RevocationStatus NoSource { get; } = new(RevocationStatusKind.NoSource, "no CRL distribution point, OCSP responder or imported CRL");
}
