using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Org.BouncyCastle.Asn1.X509;
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
    // RFC 8551 §2.5.2: list what we can read, strongest first: AES-GCM (RFC 5084 §4), AES-CBC (RFC 3565 §4.1:
    // no parameters), then RSAES-OAEP with SHA-256 (RFC 4055 §5: with its parameters).
    private static readonly Attribute SmimeCapabilitiesAttribute = new(
        SmimeAttributes.SmimeCapabilities,
        new DerSet(new DerSequence(
            new SmimeCapability(NistObjectIdentifiers.IdAes256Gcm, null),
            new SmimeCapability(NistObjectIdentifiers.IdAes128Gcm, null),
            new SmimeCapability(NistObjectIdentifiers.IdAes256Cbc, null),
            new SmimeCapability(NistObjectIdentifiers.IdAes128Cbc, null),
            new SmimeCapability(
                PkcsObjectIdentifiers.IdRsaesOaep,
                new RsaesOaepParameters(
                    new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance),
                    new AlgorithmIdentifier(PkcsObjectIdentifiers.IdMgf1, new AlgorithmIdentifier(NistObjectIdentifiers.IdSha256, DerNull.Instance)),
                    RsaesOaepParameters.DefaultPSourceAlgorithm)))));

    private static readonly Attribute ContentTypeDataAttribute = new(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data));

    /// <summary>Signs <paramref name="content"/> (detached: the content is not embedded).</summary>
    /// <param name="content">The canonical MIME entity exactly as it is transmitted (CRLF line ends).</param>
    /// <param name="signer">The signer's key.</param>
    /// <param name="signingTime">The time for the signingTime attribute.</param>
    /// <returns>The DER encoding of a ContentInfo wrapping the SignedData (what goes into smime.p7s).</returns>
    public static byte[] WriteDetached(ReadOnlySpan<byte> content, CmsSignerKey signer, DateTimeOffset signingTime) =>
        Write(content, signer, signingTime, encapsulate: false);

    /// <summary>Signs <paramref name="content"/> and embeds it (opaque signing, <c>smime-type=signed-data</c>).</summary>
    /// <param name="content">The canonical MIME entity.</param>
    /// <param name="signer">The signer's key.</param>
    /// <param name="signingTime">The time for the signingTime attribute.</param>
    /// <returns>The DER encoding of a ContentInfo wrapping the SignedData with eContent.</returns>
    public static byte[] WriteEncapsulated(ReadOnlySpan<byte> content, CmsSignerKey signer, DateTimeOffset signingTime) =>
        Write(content, signer, signingTime, encapsulate: true);

    private static byte[] Write(ReadOnlySpan<byte> content, CmsSignerKey signer, DateTimeOffset signingTime, bool encapsulate)
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

        byte[] signature = signer.Sign(signedAttributes.GetDerEncoded());

        var signerInfo = new SignerInfo(
            signer.SignerId,
            digest.Identifier,
            signedAttributes,
            signer.SignatureAlgorithm,
            new DerOctetString(signature),
            (Asn1Set?)null);

        var signedData = new SignedData(
            new DerSet(digest.Identifier),
            new ContentInfo(CmsObjectIdentifiers.Data, encapsulate ? new DerOctetString(content.ToArray()) : null),
            signer.Certificates,
            null,
            new DerSet(signerInfo));

        return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetDerEncoded();
    }
}
