using System.Runtime.Versioning;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Options;
using Attribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using ContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using SignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using SignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using Time = Org.BouncyCastle.Asn1.Cms.Time;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// <see cref="CmsSignedDataWriter"/> writes the SignedData's DER by hand around pieces encoded once per signer. Each
/// output is held to the structure BouncyCastle's ASN.1 types build from the same inputs (the writer's earlier
/// implementation), byte for byte, with the signature value taken from the output; the signature itself is checked
/// by BouncyCastle's CMS verifier against the signer certificate.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CmsSignedDataWriterTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    public static TheoryData<string, SignatureScheme, bool, string> Cases()
    {
        var data = new TheoryData<string, SignatureScheme, bool, string>();
        // Times: an ordinary one with fractions of a second (UTCTime keeps whole seconds), the last UTCTime
        // second, and GeneralizedTime on either side of 1950–2049 (RFC 5652 §11.3).
        string[] times = ["2026-12-01T22:15:07.123+00:00", "2049-12-31T23:59:59.999+00:00", "2050-01-01T00:00:00+00:00", "1949-06-30T12:00:00+02:00"];
        foreach (var (sender, scheme) in new[]
        {
            (AlgorithmPki.RsaSender, SignatureScheme.RsaPkcs1), (AlgorithmPki.RsaSender, SignatureScheme.RsaPss),
            (AlgorithmPki.P256Sender, SignatureScheme.RsaPkcs1), (AlgorithmPki.P384Sender, SignatureScheme.RsaPkcs1),
            (AlgorithmPki.Ed25519Sender, SignatureScheme.RsaPkcs1),
        })
        {
            foreach (bool encapsulate in new[] { false, true })
            {
                foreach (string time in times)
                {
                    data.Add(sender, scheme, encapsulate, time);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_DER_is_what_BouncyCastle_encodes_for_the_same_SignedData_and_the_signature_verifies(string sender, SignatureScheme scheme, bool encapsulate, string time)
    {
        var identity = pki.Store.FindSigner(sender) ?? throw new InvalidOperationException("no signer " + sender);
        using var key = new CmsSignerKey(identity, scheme, SignatureDigest.Auto);
        var signingTime = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture);
        byte[] content = System.Text.Encoding.ASCII.GetBytes("Content-Type: text/plain\r\n\r\nFrom the writer's test at " + time + "\r\n");

        byte[] written = encapsulate
            ? CmsSignedDataWriter.WriteEncapsulated(content, key, signingTime)
            : CmsSignedDataWriter.WriteDetached(content, key, signingTime);

        var parsed = SignedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(written)).Content);
        byte[] signature = SignerInfo.GetInstance(parsed.SignerInfos[0]).Signature.GetOctets();
        Assert.Equal(Convert.ToHexString(BouncyCastleEncoding(content, key, signingTime, encapsulate, signature)), Convert.ToHexString(written));

        var signedData = encapsulate ? new CmsSignedData(written) : new CmsSignedData(new CmsProcessableByteArray(content), written);
        var signer = Assert.Single(signedData.GetSignerInfos().GetSigners());
        var certificate = signedData.GetCertificates().EnumerateMatches(signer.SignerID).Cast<Org.BouncyCastle.X509.X509Certificate>().Single();
        // The key, not the certificate: the times in these cases lie outside the certificate's validity on purpose.
        Assert.True(signer.Verify(certificate.GetPublicKey()), $"the {key.SignatureAlgorithmName} signature did not verify");
    }

    [Fact]
    public void A_changed_content_byte_fails_verification()
    {
        var identity = pki.Store.FindSigner(AlgorithmPki.RsaSender)!;
        using var key = new CmsSignerKey(identity);
        byte[] content = "Content-Type: text/plain\r\n\r\nsigned\r\n"u8.ToArray();
        byte[] written = CmsSignedDataWriter.WriteDetached(content, key, DateTimeOffset.UtcNow);
        content[^3] ^= 1;
        var signer = Assert.Single(new CmsSignedData(new CmsProcessableByteArray(content), written).GetSignerInfos().GetSigners());
        var certificate = new Org.BouncyCastle.X509.X509Certificate(identity.Certificate.RawData);
        var refused = Assert.Throws<CmsException>(() => signer.Verify(certificate.GetPublicKey()));
        Assert.Contains("message-digest", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>The SignedData built from BouncyCastle's ASN.1 objects, as the writer did before it wrote DER itself.</summary>
    private static byte[] BouncyCastleEncoding(byte[] content, CmsSignerKey signer, DateTimeOffset signingTime, bool encapsulate, byte[] signature)
    {
        var capabilities = new Attribute(
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
        var signedAttributes = new DerSet(new Asn1EncodableVector(
            new Attribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)),
            new Attribute(CmsAttributes.SigningTime, new DerSet(new Time(signingTime.UtcDateTime))),
            new Attribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(signer.Digest.Hash(content)))),
            capabilities,
            new Attribute(
                PkcsObjectIdentifiers.IdAASigningCertificateV2,
                new DerSet(new SigningCertificateV2(new[] { new EssCertIDv2(signer.CertificateSha256.ToArray()) })))));
        var signerInfo = new SignerInfo(signer.SignerId, signer.Digest.Identifier, signedAttributes, signer.SignatureAlgorithm, new DerOctetString(signature), (Asn1Set?)null);
        var signedData = new SignedData(
            new DerSet(signer.Digest.Identifier),
            new ContentInfo(CmsObjectIdentifiers.Data, encapsulate ? new DerOctetString(content) : null),
            signer.Certificates,
            null,
            new DerSet(signerInfo));
        return new ContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetDerEncoded();
    }
}
