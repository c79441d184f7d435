using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using Time = Org.BouncyCastle.Asn1.Cms.Time;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// Writes a detached CMS SignedData (RFC 5652 §5) in DER: BouncyCastle builds the ASN.1 structure,
/// .NET's OpenSSL-backed key produces the signature. Stateless and thread-safe.
/// </summary>
public static class CmsSignedDataWriter
{
    // RFC 8551 §2.5.2: list the content ciphers we can read, strongest first.
    private static readonly Attribute SmimeCapabilitiesAttribute = new(
        SmimeAttributes.SmimeCapabilities,
        new DerSet(new DerSequence(
            new SmimeCapability(NistObjectIdentifiers.IdAes256Cbc, null),
            new SmimeCapability(NistObjectIdentifiers.IdAes128Cbc, null))));

    private static readonly Attribute ContentTypeDataAttribute = new(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data));

    /// <summary>Signs <paramref name="content"/> (detached: the content is not embedded).</summary>
    /// <param name="content">The canonical MIME entity exactly as it is transmitted (CRLF line ends).</param>
    /// <param name="signer">The signer's key.</param>
    /// <param name="signingTime">The time for the signingTime attribute.</param>
    /// <returns>The DER encoding of a ContentInfo wrapping the SignedData (what goes into smime.p7s).</returns>
    public static byte[] WriteDetached(ReadOnlySpan<byte> content, CmsSignerKey signer, DateTimeOffset signingTime)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var digest = signer.Digest;
        Span<byte> contentDigest = stackalloc byte[digest.Length];
        digest.Hash(content, contentDigest);

        // RFC 5652 §5.4: the signature covers the DER encoding of the SET OF signed attributes;
        // DerSet sorts its elements, so the encoding we hash is the encoding we embed.
        var signedAttributes = new DerSet(new Asn1EncodableVector(
            ContentTypeDataAttribute,
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Time(signingTime.UtcDateTime))),
            new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(contentDigest.ToArray()))),
            SmimeCapabilitiesAttribute,
            new Attribute(
                PkcsObjectIdentifiers.IdAASigningCertificateV2,
                new DerSet(new SigningCertificateV2(new[] { new EssCertIDv2(signer.CertificateSha256.ToArray()) })))));

        Span<byte> attributesDigest = stackalloc byte[digest.Length];
        digest.Hash(signedAttributes.GetDerEncoded(), attributesDigest);
        byte[] signature = signer.SignDigest(attributesDigest);

        var signerInfo = new SignerInfo(
            signer.SignerId,
            digest.Identifier,
            signedAttributes,
            signer.SignatureAlgorithm,
            new DerOctetString(signature),
            (Asn1Set?)null);

        var signedData = new SignedData(
            new DerSet(digest.Identifier),
            new ContentInfo(CmsObjectIdentifiers.Data, null),
            signer.Certificates,
            null,
            new DerSet(signerInfo));

        return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetDerEncoded();
    }
}
