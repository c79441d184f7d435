using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// The EnvelopedData's RecipientInfos are written by hand around the one part that changes per mail (the encrypted
/// key) instead of through BouncyCastle's object graph: each must be the bytes BouncyCastle encodes for the same
/// KeyTransRecipientInfo, carry the content key, and the SET OF must be in DER order, so that the whole EnvelopedData is
/// still canonical DER (gpgsm refuses anything else).
/// </summary>
public sealed class RecipientInfoEncodingTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    [Theory]
    [InlineData(KeyTransport.RsaPkcs1)]
    [InlineData(KeyTransport.RsaOaep)]
    public void A_key_transport_recipient_info_is_BouncyCastles_encoding_and_carries_the_key(KeyTransport keyTransport)
    {
        var certificate = pki.Certificate(AlgorithmPki.RsaRecipient);
        byte[] contentKey = RandomNumberGenerator.GetBytes(32);

        byte[] written = CmsRecipientInfos.Encode(certificate, contentKey, keyTransport);

        var parsed = KeyTransRecipientInfo.GetInstance(RecipientInfo.GetInstance(Asn1Object.FromByteArray(written)).Info);
        var expected = new RecipientInfo(new KeyTransRecipientInfo(
            KeyTransportRecipient.For(certificate).Identifier,
            keyTransport == KeyTransport.RsaOaep ? CmsRecipientInfos.RsaOaepSha256 : CmsRecipientInfos.RsaPkcs1,
            new DerOctetString(parsed.EncryptedKey.GetOctets())));
        Assert.Equal(expected.GetEncoded(Asn1Encodable.Der), written);
        Assert.Equal(0, parsed.Version.IntValueExact);

        using var privateKey = certificate.GetRSAPrivateKey();
        Assert.NotNull(privateKey);
        var padding = keyTransport == KeyTransport.RsaOaep ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.Pkcs1;
        Assert.Equal(contentKey, privateKey.Decrypt(parsed.EncryptedKey.GetOctets(), padding));
    }

    [Theory]
    [InlineData("aes256-cbc")]
    [InlineData("aes128-gcm")]
    public void An_envelope_to_several_recipients_is_canonical_DER_with_its_set_in_DER_order(string cipher)
    {
        var recipients = new[]
        {
            pki.Certificate(AlgorithmPki.RsaRecipient), pki.Certificate(AlgorithmPki.RsaSender),
            pki.Certificate(AlgorithmPki.EcRecipient), pki.Certificate(AlgorithmPki.Stranger),
        };
        var algorithm = ContentEncryptionAlgorithm.From(cipher == "aes256-cbc" ? ContentCipher.Aes256Cbc : ContentCipher.Aes128Gcm);

        byte[] envelope = CmsEnvelopedDataWriter.Write("content"u8, recipients, algorithm, KeyTransport.RsaPkcs1);

        // A DER re-encoding sorts every SET OF: equal bytes mean the writer's set was already in DER order.
        Assert.Equal(envelope, Asn1Object.FromByteArray(envelope).GetEncoded(Asn1Encodable.Der));
        var content = ContentInfo.GetInstance(Asn1Object.FromByteArray(envelope)).Content;
        var infos = algorithm.IsAuthenticated
            ? AuthEnvelopedData.GetInstance(content).RecipientInfos
            : EnvelopedData.GetInstance(content).RecipientInfos;
        Assert.Equal(recipients.Length, infos.Count);
        Assert.Equal(new DerSet(new Asn1EncodableVector([.. infos])).GetEncoded(Asn1Encodable.Der), infos.GetEncoded(Asn1Encodable.Der));
        // RFC 5652 §6.1: a KeyAgreeRecipientInfo makes EnvelopedData version 2; AuthEnvelopedData is always 0.
        int version = algorithm.IsAuthenticated ? AuthEnvelopedData.GetInstance(content).Version.IntValueExact : EnvelopedData.GetInstance(content).Version.IntValueExact;
        Assert.Equal(algorithm.IsAuthenticated ? 0 : 2, version);
    }
}
