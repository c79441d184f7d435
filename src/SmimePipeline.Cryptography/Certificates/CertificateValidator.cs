using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Validates certificates on every use: the RFC 8550 §4.4 rules of <see cref="CertificateRules"/>, then a
/// chain to a configured trust anchor (RFC 5280 §6, with intermediates from the directory or the message;
/// no downloads of missing intermediates), then revocation of every certificate in the chain below the
/// anchor (<see cref="RevocationChecker"/>). Each refusal is reported to the observer and thrown. Thread-safe.
/// </summary>
public sealed class CertificateValidator : ICertificateValidator
{
    private readonly ICertificateAuthoritySource _authorities;
    private readonly RevocationChecker _revocation;
    private readonly ICertificateValidationObserver? _observer;
    private readonly TimeProvider _time;

    /// <summary>
    /// The refusals validation can report to the observer (those of <see cref="CertificateRules"/>, the chain and revocation):
    /// the <c>reason</c> values of the worker's <c>smime.certificates.validation_failures</c>, started at 0 when it starts.
    /// </summary>
    public static IReadOnlyList<ProtectionRefusal> Refusals { get; } =
    [
        ProtectionRefusal.CertificateExpired, ProtectionRefusal.KeyTooWeak, ProtectionRefusal.KeyUsageNotAllowed,
        ProtectionRefusal.AddressNotInCertificate, ProtectionRefusal.ChainNotTrusted, ProtectionRefusal.CertificateRevoked,
        ProtectionRefusal.RevocationStatusUnknown,
    ];

    /// <summary>Creates the validator.</summary>
    /// <param name="authorities">Trust anchors, intermediates and imported CRLs.</param>
    /// <param name="revocation">The revocation checker.</param>
    /// <param name="policy">What an unreachable revocation source means.</param>
    /// <param name="observer">Hears refusals and warnings (metrics, logs); optional.</param>
    /// <param name="timeProvider">The clock; default system.</param>
    public CertificateValidator(
        ICertificateAuthoritySource authorities,
        RevocationChecker revocation,
        RevocationPolicy policy = RevocationPolicy.Strict,
        ICertificateValidationObserver? observer = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        ArgumentNullException.ThrowIfNull(revocation);
        _authorities = authorities;
        _revocation = revocation;
        Policy = policy;
        _observer = observer;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The revocation policy.</summary>
    public RevocationPolicy Policy { get; }

    /// <inheritdoc />
    public void Validate(string address, X509Certificate2 certificate, CertificateUse use, IEnumerable<X509Certificate2>? extraIntermediates = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            var now = _time.GetUtcNow();
            if (use == CertificateUse.Signing)
            {
                CertificateRules.CheckSigner(address, certificate, now);
            }
            else
            {
                CertificateRules.CheckRecipient(address, certificate, now);
            }

            var chain = BuildChain(address, certificate, extraIntermediates, now);
            if (Policy != RevocationPolicy.Off)
            {
                CheckRevocation(address, chain);
            }
        }
        catch (ProtectionRefusedException refusal)
        {
            _observer?.Refused(refusal);
            throw;
        }
    }

    private List<X509Certificate2> BuildChain(string address, X509Certificate2 certificate, IEnumerable<X509Certificate2>? extraIntermediates, DateTimeOffset now)
    {
        var anchors = _authorities.GetTrustAnchors();
        if (anchors.Count == 0)
        {
            throw new ProtectionRefusedException(
                ProtectionRefusal.ChainNotTrusted,
                address,
                $"Certificate of {address} ({CertificateRules.Describe(certificate)}) cannot be validated: no trust anchor is configured ('smime certs trust CA.pem').");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(_authorities.GetIntermediates().ToArray());
        if (extraIntermediates is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(extraIntermediates.ToArray());
        }

        // Revocation is checked by RevocationChecker (imported CRLs, OCSP, caching, policy); AIA downloads of
        // intermediates would make validation depend on the network where the directory should answer.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        bool built = chain.Build(certificate);
        var statuses = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b);
        if (!built || statuses != X509ChainStatusFlags.NoError)
        {
            throw ChainRefusal(address, certificate, chain, statuses);
        }

        return [.. chain.ChainElements.Select(e => e.Certificate)];
    }

    private static ProtectionRefusedException ChainRefusal(string address, X509Certificate2 certificate, X509Chain chain, X509ChainStatusFlags statuses)
    {
        // A CA outside its validity makes the chain invalid just as an expired end entity does.
        if ((statuses & X509ChainStatusFlags.NotTimeValid) != 0 && chain.ChainElements.Count > 1
            && (statuses & (X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.UntrustedRoot)) == 0)
        {
            var ca = chain.ChainElements.Skip(1).First(e => e.ChainElementStatus.Any(s => s.Status == X509ChainStatusFlags.NotTimeValid)).Certificate;
            return new ProtectionRefusedException(
                ProtectionRefusal.CertificateExpired,
                address,
                $"Certificate of {address} ({CertificateRules.Describe(certificate)}) chains to CA {ca.Subject}, which is outside its validity period.");
        }

        string what = (statuses & X509ChainStatusFlags.PartialChain) != 0
            ? "does not chain to a configured trust anchor (issuer or intermediate not found)"
            : (statuses & X509ChainStatusFlags.UntrustedRoot) != 0
                ? "chains to a root that is not a configured trust anchor"
                : $"has an invalid chain ({statuses})";
        return new ProtectionRefusedException(
            ProtectionRefusal.ChainNotTrusted,
            address,
            $"Certificate of {address} ({CertificateRules.Describe(certificate)}) {what}.");
    }

    private void CheckRevocation(string address, List<X509Certificate2> chain)
    {
        // Every certificate below the anchor: a revoked intermediate revokes everything it issued.
        for (int i = 0; i < chain.Count - 1; i++)
        {
            var status = _revocation.Check(chain[i], chain[i + 1]);
            switch (status.Kind)
            {
                case RevocationStatusKind.Revoked:
                    throw new ProtectionRefusedException(
                        ProtectionRefusal.CertificateRevoked,
                        address,
                        $"Certificate {(i == 0 ? "of " + address : "of CA")} ({CertificateRules.Describe(chain[i])}) is {status.Detail}.");
                case RevocationStatusKind.Unknown when Policy == RevocationPolicy.Strict:
                    throw new ProtectionRefusedException(
                        ProtectionRefusal.RevocationStatusUnknown,
                        address,
                        $"Revocation status of {(i == 0 ? address + "'s certificate" : "a CA certificate")} ({CertificateRules.Describe(chain[i])}) is unknown: {status.Detail}.");
                case RevocationStatusKind.Unknown:
                    _observer?.Warned(address, "revocation-status-unknown", $"Revocation status of {CertificateRules.Describe(chain[i])} is unknown: {status.Detail}; used anyway (lenient policy).");
                    break;
            }
        }
    }
}
