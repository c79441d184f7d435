using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// Answers "can this recipient read AES-GCM AuthEnvelopedData?" from the SMIMECapabilities that the
/// recipient's own signed mail advertised when its certificate was harvested (RFC 8551 §2.5.2). A
/// recipient whose capabilities are unknown (imported certificate, no harvest) is assumed not to:
/// AES-CBC EnvelopedData is what every client reads. Answers are cached per certificate.
/// </summary>
public sealed class DirectoryRecipientCapabilities(IRecipientDirectory directory) : IRecipientCapabilities
{
    private readonly ConcurrentDictionary<string, bool> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlySet<ContentCipher>?> _ciphers = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public bool CanReadAuthEnveloped(string address, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();
        return _answers.GetOrAdd($"{address.ToLowerInvariant()}|{thumbprint}", _ => AdvertisesGcm(directory.GetSmimeCapabilities(address, thumbprint)));
    }

    /// <inheritdoc />
    public IReadOnlySet<ContentCipher>? AdvertisedCiphers(string address, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();
        return _ciphers.GetOrAdd($"{address.ToLowerInvariant()}|{thumbprint}", _ => AdvertisedCiphers(directory.GetSmimeCapabilities(address, thumbprint)));
    }

    /// <summary>
    /// The AES ciphers (CBC, GCM; 128 and 256 bits) that DER-encoded SMIMECapabilities list, or <see langword="null"/>
    /// when there are none to read (no capabilities recorded, or not a SEQUENCE).
    /// </summary>
    /// <param name="smimeCapabilities">The DER bytes, or <see langword="null"/>.</param>
    /// <returns>The ciphers, possibly empty; <see langword="null"/> when unknown.</returns>
    public static IReadOnlySet<ContentCipher>? AdvertisedCiphers(byte[]? smimeCapabilities)
    {
        if (smimeCapabilities is not { Length: > 0 } || Asn1Object.FromByteArray(smimeCapabilities) is not Asn1Sequence capabilities)
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
    {
        if (smimeCapabilities is not { Length: > 0 })
        {
            return false;
        }

        if (Asn1Object.FromByteArray(smimeCapabilities) is not Asn1Sequence capabilities)
        {
            return false;
        }

        foreach (var capability in capabilities)
        {
            if (capability is Asn1Sequence { Count: > 0 } entry && entry[0] is DerObjectIdentifier oid
                && (oid.Equals(NistObjectIdentifiers.IdAes128Gcm) || oid.Equals(NistObjectIdentifiers.IdAes256Gcm)))
            {
                return true;
            }
        }

        return false;
    }
}
