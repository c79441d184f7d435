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

    /// <inheritdoc />
    public bool CanReadAuthEnveloped(string address, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(certificate);
        var thumbprint = certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();
        return _answers.GetOrAdd($"{address.ToLowerInvariant()}|{thumbprint}", _ => AdvertisesGcm(directory.GetSmimeCapabilities(address, thumbprint)));
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
