using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.X509;
using SmimePipeline.Cryptography.Errors;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Decides whether a CRL may be imported (RFC 5280 §6.3.3): its issuer is a trust anchor, or an intermediate
/// that chains to one; its signature verifies with that CA's key; that CA may sign CRLs (cRLSign, when it has
/// a key usage extension); and its dates are sane. A CRL with the right issuer name and another key (a forged
/// CRL) is refused, so it can neither hide a revocation nor make a whole CA's certificates "unknown".
/// </summary>
public static class RevocationListVerifier
{
    /// <summary>How far in the future a thisUpdate may lie, for clocks that disagree a little. 5 minutes.</summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromMinutes(5);

    /// <summary>Verifies <paramref name="der"/> against the trusted CAs of <paramref name="authorities"/>.</summary>
    /// <param name="der">The CRL (DER).</param>
    /// <param name="authorities">Trust anchors and intermediates.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The verified CRL.</returns>
    /// <exception cref="InvalidDataException">The data is not a CRL.</exception>
    /// <exception cref="CertificateRefusedException">
    /// <c>crl-issuer-unknown</c> (no trusted CA has its issuer name), <c>crl-signature-invalid</c> (no such CA's key
    /// verifies it), <c>crl-issuer-not-trusted</c> (the intermediate that signed it does not chain to an anchor),
    /// <c>crl-sign-not-allowed</c> (the CA's key usage lacks cRLSign), <c>crl-not-yet-valid</c> (thisUpdate in the
    /// future), <c>crl-dates-invalid</c> (nextUpdate before thisUpdate), <c>crl-stale</c> (nextUpdate passed).
    /// </exception>
    public static VerifiedRevocationList Verify(byte[] der, ICertificateAuthoritySource authorities, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(der);
        ArgumentNullException.ThrowIfNull(authorities);
        var crl = Parse(der);
        string issuerName = new X500DistinguishedName(crl.IssuerDN.GetEncoded()).Name;

        var anchors = authorities.GetTrustAnchors();
        var intermediates = authorities.GetIntermediates();
        var named = anchors.Select(a => (Certificate: a, IsAnchor: true))
            .Concat(intermediates.Select(i => (Certificate: i, IsAnchor: false)))
            .Where(c => new BcCertificate(c.Certificate.RawData).SubjectDN.Equivalent(crl.IssuerDN))
            .ToList();
        if (named.Count == 0)
        {
            throw new CertificateRefusedException(
                "crl-issuer-unknown",
                $"The CRL of {issuerName} is refused: no trusted CA of that name (trust its root with 'smime certs trust' or import its intermediate with 'smime certs import' first).");
        }

        var signers = named.Where(c => IsSignedBy(crl, c.Certificate)).ToList();
        if (signers.Count == 0)
        {
            throw new CertificateRefusedException(
                "crl-signature-invalid",
                $"The CRL of {issuerName} is refused: its signature does not verify with the key of any trusted CA of that name (forged or damaged).");
        }

        var signer = signers.FirstOrDefault(s => s.IsAnchor || ChainsToAnchor(s.Certificate, anchors, intermediates, now));
        if (signer.Certificate is null)
        {
            throw new CertificateRefusedException(
                "crl-issuer-not-trusted",
                $"The CRL of {issuerName} is refused: the intermediate CA that signed it ({Thumbprint(signers[0].Certificate)}) does not chain to a trust anchor at this time.");
        }

        if (FindCrlSignProblem(signer.Certificate) is { } problem)
        {
            throw new CertificateRefusedException("crl-sign-not-allowed", $"The CRL of {issuerName} is refused: {problem}.");
        }

        var thisUpdate = Utc(crl.ThisUpdate);
        DateTimeOffset? nextUpdate = crl.NextUpdate is { } next ? Utc(next) : null;
        if (thisUpdate > now + ClockSkew)
        {
            throw new CertificateRefusedException("crl-not-yet-valid", $"The CRL of {issuerName} is refused: its thisUpdate {Format(thisUpdate)} is in the future.");
        }

        if (nextUpdate is { } due && due < thisUpdate)
        {
            throw new CertificateRefusedException("crl-dates-invalid", $"The CRL of {issuerName} is refused: its nextUpdate {Format(due)} is before its thisUpdate {Format(thisUpdate)}.");
        }

        if (nextUpdate is { } stale && stale < now)
        {
            throw new CertificateRefusedException("crl-stale", $"The CRL of {issuerName} is refused: it is stale (nextUpdate {Format(stale)}); fetch a current one from the CA.");
        }

        return new VerifiedRevocationList(
            der,
            Convert.ToHexStringLower(SHA256.HashData(der)),
            issuerName,
            Thumbprint(signer.Certificate),
            thisUpdate,
            nextUpdate,
            crl.GetRevokedCertificates()?.Count ?? 0);
    }

    /// <summary>Parses a DER CRL.</summary>
    /// <param name="der">The bytes.</param>
    /// <returns>The CRL.</returns>
    /// <exception cref="InvalidDataException">The data is not a CRL.</exception>
    public static X509Crl Parse(byte[] der)
    {
        try
        {
            return new X509CrlParser().ReadCrl(der) ?? throw new InvalidDataException("The data holds no CRL.");
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidCastException or InvalidOperationException
            or Org.BouncyCastle.Security.Certificates.CrlException or Org.BouncyCastle.Asn1.Asn1Exception)
        {
            throw new InvalidDataException("The data is not a readable CRL.", ex);
        }
    }

    /// <summary>
    /// Whether <paramref name="issuer"/> issued <paramref name="crl"/>: same name, the signature verifies with its
    /// key, and its key usage (when present) includes cRLSign.
    /// </summary>
    internal static bool IsIssuedBy(X509Crl crl, X509Certificate2 issuer) =>
        new BcCertificate(issuer.RawData).SubjectDN.Equivalent(crl.IssuerDN) && IsSignedBy(crl, issuer) && FindCrlSignProblem(issuer) is null;

    private static bool IsSignedBy(X509Crl crl, X509Certificate2 issuer)
    {
        try
        {
            crl.Verify(new BcCertificate(issuer.RawData).GetPublicKey());
            return true;
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException
            or Org.BouncyCastle.Security.Certificates.CrlException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }

    private static string? FindCrlSignProblem(X509Certificate2 issuer)
    {
        // RFC 5280 §4.2.1.3: a CA certificate with a key usage extension signs CRLs only with cRLSign.
        var usage = issuer.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        return usage is null || usage.KeyUsages.HasFlag(X509KeyUsageFlags.CrlSign)
            ? null
            : $"the key usage of its issuer {issuer.Subject} ({Thumbprint(issuer)}) does not include cRLSign";
    }

    private static bool ChainsToAnchor(X509Certificate2 intermediate, IReadOnlyList<X509Certificate2> anchors, IReadOnlyList<X509Certificate2> intermediates, DateTimeOffset now)
    {
        if (anchors.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        return chain.Build(intermediate) && chain.ChainStatus.All(s => s.Status == X509ChainStatusFlags.NoError);
    }

    private static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
