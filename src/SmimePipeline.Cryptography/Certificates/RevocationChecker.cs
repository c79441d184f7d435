using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Checks whether a certificate is revoked: OCSP (RFC 6960) when the certificate names a responder,
/// else CRLs (RFC 5280 §5) imported into the directory or fetched from the certificate's distribution
/// point over HTTP. Answers are cached until the nextUpdate they state (or <see cref="DefaultCacheLifetime"/>
/// when they state none), so a hot path asks each source about once per lifetime. Thread-safe.
/// </summary>
public sealed class RevocationChecker
{
    private readonly ICertificateAuthoritySource _authorities;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedCrl> _crls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedStatus> _ocsp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CachedStatus> _results = new(StringComparer.Ordinal);

    /// <summary>Creates the checker.</summary>
    /// <param name="authorities">Imported CRLs.</param>
    /// <param name="http">The client used for CRL and OCSP requests (its timeout bounds each request).</param>
    /// <param name="timeProvider">The clock; default system.</param>
    public RevocationChecker(ICertificateAuthoritySource authorities, HttpClient http, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        ArgumentNullException.ThrowIfNull(http);
        _authorities = authorities;
        _http = http;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How long an answer without nextUpdate is cached. Default 1 hour.</summary>
    public TimeSpan DefaultCacheLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Checks <paramref name="certificate"/>, issued by <paramref name="issuer"/>.</summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="issuer">Its issuer's certificate (verifies CRL and OCSP signatures).</param>
    /// <returns>The status and which source said so.</returns>
    public RevocationStatus Check(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuer);

        // The answer for this certificate holds until the source's nextUpdate: a hot path does not parse,
        // verify and search the same CRL for every message. "Unknown" is never cached.
        string key = issuer.Thumbprint + "|" + certificate.SerialNumber;
        var now = _time.GetUtcNow();
        if (_results.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Status;
        }

        var status = CheckUncached(certificate, issuer);
        if (status.Kind != RevocationStatusKind.Unknown)
        {
            if (_results.Count > 100_000)
            {
                _results.Clear();
            }

            var expires = status.ValidUntil is { } until && until < now + DefaultCacheLifetime ? until : now + DefaultCacheLifetime;
            _results[key] = new CachedStatus(status, expires);
        }

        return status;
    }

    private RevocationStatus CheckUncached(X509Certificate2 certificate, X509Certificate2 issuer)
    {
        var subject = new BcCertificate(certificate.RawData);
        var issuerCertificate = new BcCertificate(issuer.RawData);
        var failures = new List<string>();

        foreach (var url in GetOcspUrls(subject))
        {
            var status = CheckOcsp(url, subject, issuerCertificate);
            if (status.Kind is RevocationStatusKind.Good or RevocationStatusKind.Revoked)
            {
                return status;
            }

            failures.Add(status.Detail);
        }

        // Imported CRLs first: they work offline and are what an operator put there on purpose.
        foreach (var der in _authorities.GetRevocationLists(issuer.SubjectName))
        {
            // Defence in depth: import verifies CRLs, but a row written some other way (an older version, a
            // shared database) must not count either. One that does not parse, or is not signed by this issuer's
            // key with cRLSign, is treated as absent: it can neither clear a certificate nor make it "unknown".
            X509Crl imported;
            try
            {
                imported = RevocationListVerifier.Parse(der);
            }
            catch (InvalidDataException)
            {
                continue;
            }

            if (!RevocationListVerifier.IsIssuedBy(imported, issuer))
            {
                continue;
            }

            var status = CheckCrl(imported, "imported CRL", subject, issuerCertificate);
            if (status.Kind is RevocationStatusKind.Good or RevocationStatusKind.Revoked)
            {
                return status;
            }

            failures.Add(status.Detail);
        }

        foreach (var url in GetCrlUrls(subject))
        {
            RevocationStatus status;
            try
            {
                status = CheckCrl(FetchCrl(url), url, subject, issuerCertificate);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or InvalidDataException)
            {
                status = new RevocationStatus(RevocationStatusKind.Unknown, $"CRL {url} unavailable: {ex.Message}");
            }

            if (status.Kind is RevocationStatusKind.Good or RevocationStatusKind.Revoked)
            {
                return status;
            }

            failures.Add(status.Detail);
        }

        return failures.Count == 0 ? RevocationStatus.NoSource : new RevocationStatus(RevocationStatusKind.Unknown, string.Join("; ", failures));
    }

    private static IEnumerable<string> GetOcspUrls(BcCertificate certificate)
    {
        var value = certificate.GetExtensionValue(X509Extensions.AuthorityInfoAccess);
        if (value is null)
        {
            yield break;
        }

        var access = AuthorityInformationAccess.GetInstance(X509ExtensionUtilities.FromExtensionValue(value));
        foreach (var description in access.GetAccessDescriptions())
        {
            if (description.AccessMethod.Equals(AccessDescription.IdADOcsp)
                && description.AccessLocation.TagNo == GeneralName.UniformResourceIdentifier)
            {
                yield return DerIA5String.GetInstance(description.AccessLocation.Name).GetString();
            }
        }
    }

    private static IEnumerable<string> GetCrlUrls(BcCertificate certificate)
    {
        var value = certificate.GetExtensionValue(X509Extensions.CrlDistributionPoints);
        if (value is null)
        {
            yield break;
        }

        var points = CrlDistPoint.GetInstance(X509ExtensionUtilities.FromExtensionValue(value));
        foreach (var point in points.GetDistributionPoints())
        {
            if (point.DistributionPointName?.Type != DistributionPointName.FullName)
            {
                continue;
            }

            foreach (var name in GeneralNames.GetInstance(point.DistributionPointName.Name).GetNames())
            {
                if (name.TagNo == GeneralName.UniformResourceIdentifier)
                {
                    var url = DerIA5String.GetInstance(name.Name).GetString();
                    if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                    {
                        yield return url;
                    }
                }
            }
        }
    }

    private RevocationStatus CheckCrl(X509Crl crl, string source, BcCertificate subject, BcCertificate issuer)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (!crl.IssuerDN.Equivalent(issuer.SubjectDN))
        {
            return new RevocationStatus(RevocationStatusKind.Unknown, $"{source} is issued by {crl.IssuerDN}, not by {issuer.SubjectDN}");
        }

        try
        {
            crl.Verify(issuer.GetPublicKey());
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or Org.BouncyCastle.Security.Certificates.CrlException)
        {
            return new RevocationStatus(RevocationStatusKind.Unknown, $"{source} has a bad signature");
        }

        // RFC 5280 §4.2.1.3: bit 6 is cRLSign; an issuer with a key usage extension without it signs no CRL.
        if (issuer.GetKeyUsage() is { Length: > 6 } usage && !usage[6])
        {
            return new RevocationStatus(RevocationStatusKind.Unknown, $"{source} is signed by a CA whose key usage lacks cRLSign");
        }

        if (crl.NextUpdate is { } next && next < now)
        {
            return new RevocationStatus(RevocationStatusKind.Unknown, $"{source} is stale (nextUpdate {Format(next)})");
        }

        var entry = crl.GetRevokedCertificate(subject.SerialNumber);
        DateTimeOffset? validUntil = crl.NextUpdate is { } nextUpdate ? new DateTimeOffset(DateTime.SpecifyKind(nextUpdate, DateTimeKind.Utc)) : null;
        return entry is null
            ? new RevocationStatus(RevocationStatusKind.Good, $"{source} (thisUpdate {Format(crl.ThisUpdate)})") { ValidUntil = validUntil }
            : new RevocationStatus(RevocationStatusKind.Revoked, $"revoked on {Format(entry.RevocationDate)} according to {source}") { ValidUntil = validUntil };
    }

    private X509Crl FetchCrl(string url)
    {
        var now = _time.GetUtcNow();
        if (_crls.TryGetValue(url, out var cached) && cached.Expires > now)
        {
            return cached.Crl;
        }

        using var response = _http.Send(new HttpRequestMessage(HttpMethod.Get, url));
        response.EnsureSuccessStatusCode();
        using var stream = response.Content.ReadAsStream();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var crl = RevocationListVerifier.Parse(buffer.ToArray());
        var expires = crl.NextUpdate is { } next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : now + DefaultCacheLifetime;
        _crls[url] = new CachedCrl(crl, expires);
        return crl;
    }

    private RevocationStatus CheckOcsp(string url, BcCertificate subject, BcCertificate issuer)
    {
        // RFC 6960 §4.1.1 / RFC 5019 §2.1.1: responders key CertIDs by SHA-1 of the issuer name and key;
        // SHA-1 here is an identifier the responder expects, not a signature.
        var id = new CertificateID(CertificateID.DigestSha1, issuer, subject.SerialNumber);
        string key = url + "|" + Convert.ToHexString(id.GetIssuerKeyHash()) + "|" + subject.SerialNumber.ToString(16);
        var now = _time.GetUtcNow();
        if (_ocsp.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached.Status;
        }

        RevocationStatus status;
        DateTimeOffset expires = now + DefaultCacheLifetime;
        try
        {
            var generator = new OcspReqGenerator();
            generator.AddRequest(id);
            byte[] request = generator.Generate().GetEncoded();
            using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(request) };
            message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/ocsp-request");
            using var response = _http.Send(message);
            response.EnsureSuccessStatusCode();
            using var stream = response.Content.ReadAsStream();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            (status, var nextUpdate) = ReadOcspResponse(url, buffer.ToArray(), id, issuer, now.UtcDateTime);
            if (status.Kind is RevocationStatusKind.Unknown)
            {
                return status;
            }

            if (nextUpdate is { } next)
            {
                expires = new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or OcspException)
        {
            // Failures are not cached: the next message tries again.
            return new RevocationStatus(RevocationStatusKind.Unknown, $"OCSP {url} unavailable: {ex.Message}");
        }

        _ocsp[key] = new CachedStatus(status, expires);
        return status;
    }

    private static (RevocationStatus Status, DateTime? NextUpdate) ReadOcspResponse(string url, byte[] bytes, CertificateID id, BcCertificate issuer, DateTime now)
    {
        var response = new OcspResp(bytes);
        if (response.Status != OcspRespStatus.Successful || response.GetResponseObject() is not BasicOcspResp basic)
        {
            return (new RevocationStatus(RevocationStatusKind.Unknown, $"OCSP {url} answered status {response.Status}"), null);
        }

        if (!IsSignedByIssuerOrDelegate(basic, issuer))
        {
            return (new RevocationStatus(RevocationStatusKind.Unknown, $"OCSP {url} response is not signed by the issuer or a delegated responder"), null);
        }

        foreach (var single in basic.Responses)
        {
            if (!single.GetCertID().Equals(id))
            {
                continue;
            }

            if (single.NextUpdate is { } next && next < now)
            {
                return (new RevocationStatus(RevocationStatusKind.Unknown, $"OCSP {url} response is stale (nextUpdate {Format(next)})"), null);
            }

            DateTimeOffset? validUntil = single.NextUpdate is { } nextUpdate ? new DateTimeOffset(DateTime.SpecifyKind(nextUpdate, DateTimeKind.Utc)) : null;
            return single.GetCertStatus() switch
            {
                null => (new RevocationStatus(RevocationStatusKind.Good, $"OCSP {url}") { ValidUntil = validUntil }, single.NextUpdate),
                RevokedStatus revoked => (new RevocationStatus(RevocationStatusKind.Revoked, $"revoked on {Format(revoked.RevocationTime)} according to OCSP {url}") { ValidUntil = validUntil }, single.NextUpdate),
                _ => (new RevocationStatus(RevocationStatusKind.Unknown, $"OCSP {url} does not know the certificate"), null),
            };
        }

        return (new RevocationStatus(RevocationStatusKind.Unknown, $"OCSP {url} response does not cover the certificate"), null);
    }

    private static bool IsSignedByIssuerOrDelegate(BasicOcspResp basic, BcCertificate issuer)
    {
        if (basic.Verify(issuer.GetPublicKey()))
        {
            return true;
        }

        // RFC 6960 §4.2.2.2: a delegated responder's certificate is issued by the CA and carries id-kp-OCSPSigning.
        foreach (var responder in basic.GetCerts() ?? [])
        {
            try
            {
                responder.Verify(issuer.GetPublicKey());
            }
            catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or Org.BouncyCastle.Security.Certificates.CertificateException)
            {
                continue;
            }

            var usages = responder.GetExtendedKeyUsage();
            if (usages is not null && usages.Contains(KeyPurposeID.id_kp_OCSPSigning) && basic.Verify(responder.GetPublicKey()))
            {
                return true;
            }
        }

        return false;
    }

    private static string Format(DateTime time) =>
        DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private sealed record CachedCrl(X509Crl Crl, DateTimeOffset Expires);

    private sealed record CachedStatus(RevocationStatus Status, DateTimeOffset Expires);
}
