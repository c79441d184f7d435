using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// Answers "which content ciphers can this recipient read?" from the SMIMECapabilities that the
/// recipient's own signed mail advertised when its certificate was harvested (RFC 8551 §2.5.2). A
/// recipient whose capabilities are unknown (imported certificate, no harvest) is assumed to read
/// AES-CBC EnvelopedData only, which every client reads. Answers are cached per certificate for
/// <see cref="CacheLifetime"/> (a later harvest is seen after it), and at most <see cref="MaxCachedAnswers"/>
/// of them: a deployment that mails millions of distinct recipients does not grow without bound.
/// </summary>
/// <param name="directory">Where harvested capabilities are stored.</param>
/// <param name="timeProvider">The clock for expiry; default system.</param>
public sealed class DirectoryRecipientCapabilities(IRecipientDirectory directory, TimeProvider? timeProvider = null) : IRecipientCapabilities
{
    private readonly ConcurrentDictionary<string, CachedAnswer> _answers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>How long an answer is served from memory. Default 5 minutes.</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The most answers kept; when reached, expired answers are dropped, and if none had expired, all. Default 100,000.</summary>
    public int MaxCachedAnswers { get; init; } = 100_000;

    /// <summary>How many answers are cached now.</summary>
    public int CachedAnswers => _answers.Count;

    /// <inheritdoc />
    public bool CanReadAuthEnveloped(string address, X509Certificate2 certificate) => Answer(address, certificate).CanReadGcm;

    /// <inheritdoc />
    public IReadOnlySet<ContentCipher>? AdvertisedCiphers(string address, X509Certificate2 certificate) => Answer(address, certificate).Ciphers;

    /// <summary>
    /// The AES ciphers (CBC, GCM; 128 and 256 bits) that DER-encoded SMIMECapabilities list, or <see langword="null"/>
    /// when there are none to read (no capabilities recorded, damaged, or not a SEQUENCE).
    /// </summary>
    /// <param name="smimeCapabilities">The DER bytes, or <see langword="null"/>.</param>
    /// <returns>The ciphers, possibly empty; <see langword="null"/> when unknown.</returns>
    public static IReadOnlySet<ContentCipher>? AdvertisedCiphers(byte[]? smimeCapabilities)
    {
        if (Read(smimeCapabilities) is not { } capabilities)
        {
            return null;
        }

        var ciphers = new HashSet<ContentCipher>();
        foreach (var capability in capabilities)
        {
            if (capability is Asn1Sequence { Count: > 0 } entry && entry[0] is DerObjectIdentifier oid)
            {
                if (oid.Equals(NistObjectIdentifiers.IdAes256Gcm))
                {
                    ciphers.Add(ContentCipher.Aes256Gcm);
                }
                else if (oid.Equals(NistObjectIdentifiers.IdAes128Gcm))
                {
                    ciphers.Add(ContentCipher.Aes128Gcm);
                }
                else if (oid.Equals(NistObjectIdentifiers.IdAes256Cbc))
                {
                    ciphers.Add(ContentCipher.Aes256Cbc);
                }
                else if (oid.Equals(NistObjectIdentifiers.IdAes128Cbc))
                {
                    ciphers.Add(ContentCipher.Aes128Cbc);
                }
            }
        }

        return ciphers;
    }

    /// <summary>Whether DER-encoded SMIMECapabilities list AES-128-GCM or AES-256-GCM (RFC 5084 §3.1).</summary>
    public static bool AdvertisesGcm(byte[]? smimeCapabilities)
        => AdvertisedCiphers(smimeCapabilities) is { } ciphers && (ciphers.Contains(ContentCipher.Aes128Gcm) || ciphers.Contains(ContentCipher.Aes256Gcm));

    private static Asn1Sequence? Read(byte[]? smimeCapabilities)
    {
        if (smimeCapabilities is not { Length: > 0 })
        {
            return null;
        }

        try
        {
            return Asn1Object.FromByteArray(smimeCapabilities) as Asn1Sequence;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidOperationException or Asn1Exception)
        {
            // Harvested from someone else's mail: damaged capabilities mean "unknown", and unknown means AES-CBC.
            return null;
        }
    }

    private CachedAnswer Answer(string address, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();
        string key = $"{address.ToLowerInvariant()}|{thumbprint}";
        var now = _time.GetUtcNow();
        if (_answers.TryGetValue(key, out var cached) && cached.Expires > now)
        {
            return cached;
        }

        var ciphers = AdvertisedCiphers(directory.GetSmimeCapabilities(address, thumbprint));
        var answer = new CachedAnswer(ciphers, ciphers is not null && (ciphers.Contains(ContentCipher.Aes128Gcm) || ciphers.Contains(ContentCipher.Aes256Gcm)), now + CacheLifetime);
        if (_answers.Count >= MaxCachedAnswers)
        {
            Evict(now);
        }

        _answers[key] = answer;
        return answer;
    }

    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, answer) in _answers)
        {
            if (answer.Expires <= now)
            {
                _answers.TryRemove(key, out _);
            }
        }

        if (_answers.Count >= MaxCachedAnswers)
        {
            _answers.Clear();
        }
    }

    private sealed record CachedAnswer(IReadOnlySet<ContentCipher>? Ciphers, bool CanReadGcm, DateTimeOffset Expires);
}
