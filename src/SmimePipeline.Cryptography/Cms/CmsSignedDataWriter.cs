using System.Globalization;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Org.BouncyCastle.Asn1.X509;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using Time = Org.BouncyCastle.Asn1.Cms.Time;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// Writes a CMS SignedData (RFC 5652 §5) in DER, detached or with the content: the parts that are the same for
/// every message of a signer are encoded once by BouncyCastle (<see cref="SignedDataTemplate"/>), the structure
/// around them and the per-message attributes are written here; .NET's OpenSSL-backed key produces the
/// signature. Stateless and thread-safe.
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

    // The attributes that are the same for every message, and the object identifiers around the per-message
    // parts, encoded once by BouncyCastle.
    private static readonly byte[] SmimeCapabilitiesDer = SmimeCapabilitiesAttribute.GetDerEncoded();
    private static readonly byte[] ContentTypeDataDer = new Attribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)).GetDerEncoded();
    private static readonly byte[] MessageDigestOid = CmsAttributes.MessageDigest.GetDerEncoded();
    private static readonly byte[] SigningTimeOid = CmsAttributes.SigningTime.GetDerEncoded();
    private static readonly byte[] DataOid = CmsObjectIdentifiers.Data.GetDerEncoded();
    private static readonly byte[] SignedDataOid = CmsObjectIdentifiers.SignedData.GetDerEncoded();

    // RFC 5652 §5.1 / §5.3: SignedData and SignerInfo version 1 (IssuerAndSerialNumber, id-data, X.509 certificates only).
    private static readonly byte[] Version1 = [0x02, 0x01, 0x01];

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

    // The structure is written by hand around bytes BouncyCastle encoded once per signer (SignedDataTemplate):
    // building and re-encoding BouncyCastle's SignedData object graph per message (the certificates alone are a few
    // hundred ASN.1 objects) was the largest part of the protect stage's own work outside MIME composition.
    // CmsSignedDataWriterTests holds the output to BouncyCastle's encoding of the same structure, byte for byte.
    private static byte[] Write(ReadOnlySpan<byte> content, CmsSignerKey signer, DateTimeOffset signingTime, bool encapsulate)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var template = signer.Template;
        var digest = signer.Digest;
        Span<byte> contentDigest = stackalloc byte[digest.Length];
        digest.Hash(content, contentDigest);

        // RFC 5652 §5.4: the signature covers the DER encoding of the SET OF signed attributes, whose elements
        // DER sorts by their encodings (X.690 §11.6); the encoding we sign is the encoding we embed.
        byte[] messageDigest = MessageDigestAttribute(contentDigest);
        byte[] time = SigningTimeAttribute(signingTime);
        byte[][] attributes = [ContentTypeDataDer, time, messageDigest, SmimeCapabilitiesDer, template.SigningCertificateAttribute];
        Array.Sort(attributes, DerSetOrder.Instance);
        int attributesLength = 0;
        foreach (var attribute in attributes)
        {
            attributesLength += attribute.Length;
        }

        byte[] signedAttributes = new byte[DerHeader.Total(attributesLength)];
        int offset = DerHeader.Write(signedAttributes, DerHeader.Set, attributesLength);
        foreach (var attribute in attributes)
        {
            offset += Append(signedAttributes.AsSpan(offset), attribute);
        }

        byte[] signature = signer.Sign(signedAttributes);

        int signerInfoLength = Version1.Length + template.SignerId.Length + template.DigestAlgorithm.Length
            + signedAttributes.Length + template.SignatureAlgorithm.Length + DerHeader.Total(signature.Length);
        int signerInfosLength = DerHeader.Total(signerInfoLength);
        int encapsulatedLength = DataOid.Length + (encapsulate ? DerHeader.Total(DerHeader.Total(content.Length)) : 0);
        int signedDataLength = Version1.Length + template.DigestAlgorithms.Length + DerHeader.Total(encapsulatedLength)
            + template.CertificatesImplicit.Length + DerHeader.Total(signerInfosLength);
        int explicitLength = DerHeader.Total(signedDataLength);
        int contentInfoLength = SignedDataOid.Length + DerHeader.Total(explicitLength);

        // Every byte is written below (the length is checked at the end), so it need not be zeroed first.
        var der = GC.AllocateUninitializedArray<byte>(DerHeader.Total(contentInfoLength));
        var span = der.AsSpan();
        offset = DerHeader.Write(span, DerHeader.Sequence, contentInfoLength);
        offset += Append(span[offset..], SignedDataOid);
        offset += DerHeader.Write(span[offset..], DerHeader.ContextExplicit0, explicitLength);
        offset += DerHeader.Write(span[offset..], DerHeader.Sequence, signedDataLength);
        offset += Append(span[offset..], Version1);
        offset += Append(span[offset..], template.DigestAlgorithms);
        offset += DerHeader.Write(span[offset..], DerHeader.Sequence, encapsulatedLength);
        offset += Append(span[offset..], DataOid);
        if (encapsulate)
        {
            // eContent [0] EXPLICIT OCTET STRING.
            offset += DerHeader.Write(span[offset..], DerHeader.ContextExplicit0, DerHeader.Total(content.Length));
            offset += DerHeader.Write(span[offset..], DerHeader.OctetString, content.Length);
            offset += Append(span[offset..], content);
        }

        offset += Append(span[offset..], template.CertificatesImplicit);
        offset += DerHeader.Write(span[offset..], DerHeader.Set, signerInfosLength);
        offset += DerHeader.Write(span[offset..], DerHeader.Sequence, signerInfoLength);
        offset += Append(span[offset..], Version1);
        offset += Append(span[offset..], template.SignerId);
        offset += Append(span[offset..], template.DigestAlgorithm);
        // signedAttrs [0] IMPLICIT SET OF Attribute: the signed SET with its tag replaced.
        span[offset] = DerHeader.ContextExplicit0;
        offset += 1 + Append(span[(offset + 1)..], signedAttributes.AsSpan(1));
        offset += Append(span[offset..], template.SignatureAlgorithm);
        offset += DerHeader.Write(span[offset..], DerHeader.OctetString, signature.Length);
        offset += Append(span[offset..], signature);
        if (offset != der.Length)
        {
            throw new CryptographicException("SignedData length mismatch.");
        }

        return der;
    }

    /// <summary>Attribute { id-messageDigest, SET { OCTET STRING digest } } (RFC 5652 §11.2).</summary>
    private static byte[] MessageDigestAttribute(ReadOnlySpan<byte> digest)
    {
        int octetString = DerHeader.Total(digest.Length);
        int set = DerHeader.Total(octetString);
        int sequence = MessageDigestOid.Length + set;
        var attribute = new byte[DerHeader.Total(sequence)];
        int offset = DerHeader.Write(attribute, DerHeader.Sequence, sequence);
        offset += Append(attribute.AsSpan(offset), MessageDigestOid);
        offset += DerHeader.Write(attribute.AsSpan(offset), DerHeader.Set, octetString);
        offset += DerHeader.Write(attribute.AsSpan(offset), DerHeader.OctetString, digest.Length);
        Append(attribute.AsSpan(offset), digest);
        return attribute;
    }

    /// <summary>
    /// Attribute { id-signingTime, SET { Time } } (RFC 5652 §11.3): UTCTime <c>YYMMDDHHMMSSZ</c> (whole seconds, UTC) for
    /// 1950–2049; other years are GeneralizedTime, rare enough to leave to BouncyCastle.
    /// </summary>
    private static byte[] SigningTimeAttribute(DateTimeOffset signingTime)
    {
        var utc = signingTime.UtcDateTime;
        if (utc.Year is < 1950 or > 2049)
        {
            return new Attribute(CmsAttributes.SigningTime, new DerSet(new Time(utc))).GetDerEncoded();
        }

        const int utcTimeLength = 13;
        int set = DerHeader.Total(utcTimeLength);
        int sequence = SigningTimeOid.Length + DerHeader.Total(set);
        var attribute = new byte[DerHeader.Total(sequence)];
        int offset = DerHeader.Write(attribute, DerHeader.Sequence, sequence);
        offset += Append(attribute.AsSpan(offset), SigningTimeOid);
        offset += DerHeader.Write(attribute.AsSpan(offset), DerHeader.Set, set);
        offset += DerHeader.Write(attribute.AsSpan(offset), DerHeader.UtcTime, utcTimeLength);
        if (!utc.TryFormat(attribute.AsSpan(offset), out int written, "yyMMddHHmmss'Z'", CultureInfo.InvariantCulture) || written != utcTimeLength)
        {
            throw new CryptographicException("signingTime could not be formatted.");
        }

        return attribute;
    }

    private static int Append(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination);
        return bytes.Length;
    }
}
