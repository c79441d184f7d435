using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// The <see cref="ICertificateStore"/> the protect stage uses in the signer role: signer identities from
/// mounted Secret directories (or the file store), recipient certificates from the directory (falling back
/// to the file store), every certificate validated on use. Of several recipient certificates, the valid
/// one that expires last is used; when none is valid, the refusal of the newest one is thrown, so the mail
/// is refused with the exact reason and never sent unprotected.
/// </summary>
public sealed class ValidatedCertificateStore : ICertificateStore
{
    private readonly IRecipientDirectory _directory;
    private readonly ICertificateValidator _validator;
    private readonly MountedSignerIdentities? _signers;
    private readonly ICertificateStore? _files;
    private readonly TimeProvider _time;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _validUntil = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    /// <param name="directory">The recipient directory (also the source of anchors, intermediates and CRLs).</param>
    /// <param name="validator">Validates every certificate before use.</param>
    /// <param name="signers">Mounted signer identities; optional.</param>
    /// <param name="files">The file store (signers, recipients, anchors) used where the above have nothing; optional.</param>
    /// <param name="timeProvider">The clock; default system.</param>
    public ValidatedCertificateStore(IRecipientDirectory directory, ICertificateValidator validator, MountedSignerIdentities? signers = null, ICertificateStore? files = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(validator);
        _directory = directory;
        _validator = validator;
        _signers = signers;
        _files = files;
    }

    /// <inheritdoc />
    public IReadOnlyList<X509Certificate2> TrustAnchors => [.. _directory.GetTrustAnchors(), .. _files?.TrustAnchors ?? []];

    /// <inheritdoc />
    /// <exception cref="ProtectionRefusedException">The identity's certificate fails validation.</exception>
    public SignerIdentity? FindSigner(string address)
    {
        var identity = _signers?.Find(address) ?? _files?.FindSigner(address);
        if (identity is not null)
        {
            Validate(address, identity.Certificate, CertificateUse.Signing, identity.Chain);
        }

        return identity;
    }

    /// <inheritdoc />
    /// <exception cref="ProtectionRefusedException">Certificates exist but none passes validation.</exception>
    public X509Certificate2? FindRecipientCertificate(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var candidates = _directory.Find(address).Select(e => e.Certificate).ToList();
        if (candidates.Count == 0 && _files?.FindRecipientCertificate(address) is { } filed)
        {
            candidates.Add(filed);
        }

        // The protector also asks for the sender's own certificate, to encrypt a copy to itself; that copy is
        // optional, so for a sender a certificate unfit for encryption (an ECDSA signer) is skipped quietly
        // and an invalid one means "no certificate". A sender that is also a recipient is then refused as
        // missing: nothing leaks.
        bool ownSender = (_signers?.Find(address) ?? _files?.FindSigner(address)) is not null;
        ProtectionRefusedException? first = null;
        foreach (var candidate in candidates.OrderByDescending(c => c.NotAfter))
        {
            if (ownSender && CertificateRules.FindRecipientProblem(address, candidate, _time.GetUtcNow()) is not null)
            {
                continue;
            }

            try
            {
                Validate(address, candidate, CertificateUse.Encryption, null);
                return candidate;
            }
            catch (ProtectionRefusedException refusal)
            {
                // Keep the newest certificate's reason: it is the one the operator must fix.
                first ??= refusal;
            }
        }

        return first is null || ownSender ? null : throw first;
    }

    /// <summary>How long a successful validation is reused before the chain and revocation are checked again. Default 30 s.</summary>
    public TimeSpan ValidationCacheLifetime { get; init; } = TimeSpan.FromSeconds(30);

    private void Validate(string address, X509Certificate2 certificate, CertificateUse use, IReadOnlyList<X509Certificate2>? chain)
    {
        // Chain building costs far more than signing a small mail; a result is reused for a short time,
        // never past the certificate's notAfter. Refusals are not cached: a fixed directory is seen at once.
        var now = _time.GetUtcNow();
        string key = string.Concat(CertificateAddresses.Normalize(address), "|", certificate.Thumbprint, "|", use.ToString());
        if (_validUntil.TryGetValue(key, out var until) && until > now)
        {
            return;
        }

        _validator.Validate(address, certificate, use, chain);
        if (_validUntil.Count > 100_000)
        {
            _validUntil.Clear();
        }

        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        _validUntil[key] = now + ValidationCacheLifetime < notAfter ? now + ValidationCacheLifetime : notAfter;
    }
}
