namespace SmimePipeline.Cryptography.Certificates;

/// <summary>A CRL whose signature, issuer and dates <see cref="RevocationListVerifier"/> accepted.</summary>
/// <param name="Der">The CRL as imported (DER).</param>
/// <param name="Sha256">The SHA-256 of <paramref name="Der"/>, lower-case hex: how <c>smime certs remove-crl</c> names it.</param>
/// <param name="IssuerName">The issuer's distinguished name.</param>
/// <param name="IssuerThumbprint">The SHA-256 thumbprint (lower-case hex) of the trusted CA certificate whose key signed it.</param>
/// <param name="ThisUpdate">When it was issued.</param>
/// <param name="NextUpdate">When the next one is due, when it says.</param>
/// <param name="RevokedCount">How many certificates it lists as revoked.</param>
public sealed record VerifiedRevocationList(
    byte[] Der,
    string Sha256,
    string IssuerName,
    string IssuerThumbprint,
    DateTimeOffset ThisUpdate,
    DateTimeOffset? NextUpdate,
    int RevokedCount);
