using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using MimeKit;

using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

[Collection("demo-pki")]
public sealed class RoundTripTests(DemoPkiFixture fixture)
{
    private readonly SmimeProtector _protector = new(fixture.Store);

    public static TheoryData<string> Senders => ["sender@demo.smime.test", "ecdsa-sender@demo.smime.test"];

    [Theory]
    [MemberData(nameof(Senders))]
    public void Signed_and_encrypted_mail_decrypts_verifies_and_keeps_every_byte(string sender)
    {
        var pki = fixture.Pki;
        string alice = pki.RecipientAddresses[0];
        var mail = TestMails.Create(sender, alice) with { Bcc = [new MailAddress(pki.RecipientAddresses[1])] };

        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignAndEncrypt);

        Assert.Equal(sender, result.EnvelopeFrom);
        Assert.Equal([alice, pki.RecipientAddresses[1]], result.EnvelopeTo);
        Assert.Equal("aes256-cbc", result.ContentCipher);
        Assert.Equal(sender.StartsWith("ecdsa", StringComparison.Ordinal) ? "ecdsa-with-SHA256" : "sha256WithRSAEncryption", result.SignatureAlgorithm);

        var outer = SmimeReader.Parse(result.Content);
        Assert.Empty(outer.Bcc);
        Assert.DoesNotContain("Bcc:", System.Text.Encoding.ASCII.GetString(result.Content), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(mail.Subject, outer.Subject);
        Assert.Equal("C-12345", outer.Headers["X-Customer-Ref"]);
        Assert.Equal($"{mail.MailId:N}@demo.smime.test", outer.MessageId);
        Assert.DoesNotContain(TestMails.SecretWord, System.Text.Encoding.Latin1.GetString(result.Content), StringComparison.Ordinal);

        var envelope = SmimeReader.EnvelopedData(outer);
        var decrypted = SmimeReader.Decrypt(envelope, pki.CertificatePath(alice), pki.KeyPath(alice));
        AssertSignedContentMatches(decrypted, mail, expectedMicAlg: "sha-256");

        // Bcc recipient can read it too.
        var bobCopy = SmimeReader.Decrypt(envelope, pki.CertificatePath(pki.RecipientAddresses[1]), pki.KeyPath(pki.RecipientAddresses[1]));
        Assert.Equal(decrypted, bobCopy);
    }

    [Fact]
    public void Sender_can_decrypt_its_own_copy()
    {
        var pki = fixture.Pki;
        var mail = TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[2]);

        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignAndEncrypt);

        var envelope = SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content));
        var cms = new EnvelopedCms();
        cms.Decode(envelope);
        Assert.Equal(0, cms.Version);
        Assert.Equal(2, cms.RecipientInfos.Count);
        Assert.Equal("2.16.840.1.101.3.4.1.42", cms.ContentEncryptionAlgorithm.Oid.Value);
        var own = SmimeReader.Decrypt(envelope, pki.CertificatePath(pki.SenderAddress), pki.KeyPath(pki.SenderAddress));
        AssertSignedContentMatches(own, mail, expectedMicAlg: "sha-256");
    }

    [Fact]
    public void Sign_only_mail_is_multipart_signed_at_the_top()
    {
        var pki = fixture.Pki;
        var mail = TestMails.Create(pki.SenderAddress, "nocert@elsewhere.example");

        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignOnly);

        Assert.Null(result.ContentCipher);
        AssertSignedContentMatches(HeaderlessEntity(result.Content), mail, expectedMicAlg: "sha-256");
        // The outer message keeps its headers above the signed entity.
        var outer = SmimeReader.Parse(result.Content);
        Assert.Equal("1.0", outer.Headers[HeaderId.MimeVersion]);
        Assert.IsType<MimeKit.Cryptography.MultipartSigned>(outer.Body);
    }

    [Fact]
    public void Encrypt_only_mail_carries_the_canonical_content_without_signature()
    {
        var pki = fixture.Pki;
        string alice = pki.RecipientAddresses[0];
        var mail = TestMails.Create(pki.SenderAddress, alice);

        var result = _protector.Protect(MimeComposer.Compose(mail), new SecurityPolicy { Sign = false });

        Assert.Null(result.SignatureAlgorithm);
        var decrypted = SmimeReader.Decrypt(SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content)), pki.CertificatePath(alice), pki.KeyPath(alice));
        var entity = MimeEntity.Load(new MemoryStream(decrypted));
        Assert.Equal("multipart/mixed", entity.ContentType.MimeType);
        AssertBodyMatches(entity, mail);
    }

    [Fact]
    public void Decrypting_with_a_key_that_is_not_a_recipient_fails()
    {
        var pki = fixture.Pki;
        var mail = TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[0]);

        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignAndEncrypt);

        var envelope = SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content));
        string carol = pki.RecipientAddresses[2];
        Assert.ThrowsAny<CryptographicException>(() => SmimeReader.Decrypt(envelope, pki.CertificatePath(carol), pki.KeyPath(carol)));
    }

    [Theory]
    [MemberData(nameof(Senders))]
    public void Tampered_content_or_signature_fails_verification(string sender)
    {
        var pki = fixture.Pki;
        var mail = TestMails.Create(sender, "nocert@elsewhere.example");
        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignOnly);
        var (content, signature, _) = SmimeReader.SplitSigned(HeaderlessEntity(result.Content));

        SmimeReader.Verify(content, signature, pki.CaCertificatePath);

        var tamperedContent = (byte[])content.Clone();
        tamperedContent[tamperedContent.Length / 2] ^= 0x01;
        Assert.ThrowsAny<CryptographicException>(() => SmimeReader.Verify(tamperedContent, signature, pki.CaCertificatePath));

        var tamperedSignature = (byte[])signature.Clone();
        tamperedSignature[^3] ^= 0x01;
        Assert.ThrowsAny<CryptographicException>(() => SmimeReader.Verify(content, tamperedSignature, pki.CaCertificatePath));
    }

    [Fact]
    public void Signed_attributes_carry_capabilities_and_signing_certificate_v2()
    {
        var pki = fixture.Pki;
        var result = _protector.Protect(MimeComposer.Compose(TestMails.Create(pki.SenderAddress, "x@elsewhere.example")), SecurityPolicy.SignOnly);
        var (content, signature, _) = SmimeReader.SplitSigned(HeaderlessEntity(result.Content));

        var cms = SmimeReader.Verify(content, signature, pki.CaCertificatePath);

        var signer = cms.SignerInfos[0];
        Assert.Equal(SubjectIdentifierType.IssuerAndSerialNumber, signer.SignerIdentifier.Type);
        var oids = signer.SignedAttributes.Cast<CryptographicAttributeObject>().Select(a => a.Oid.Value).ToList();
        Assert.Contains("1.2.840.113549.1.9.3", oids);   // contentType
        Assert.Contains("1.2.840.113549.1.9.5", oids);   // signingTime
        Assert.Contains("1.2.840.113549.1.9.4", oids);   // messageDigest
        Assert.Contains("1.2.840.113549.1.9.15", oids);  // SMIMECapabilities
        Assert.Contains("1.2.840.113549.1.9.16.2.47", oids); // signing-certificate-v2
        Assert.Equal("2.16.840.1.101.3.4.2.1", signer.DigestAlgorithm.Value);
    }

    /// <summary>The top-level entity of a message: its bytes from the Content-Type header on.</summary>
    internal static byte[] HeaderlessEntity(byte[] message)
    {
        int start = message.AsSpan().IndexOf("\r\nContent-Type: multipart/signed"u8);
        Assert.True(start >= 0, "no multipart/signed entity at the top");
        return message.AsSpan(start + 2).ToArray();
    }

    private void AssertSignedContentMatches(byte[] signedEntity, ProtectEmail mail, string expectedMicAlg)
    {
        var (content, signature, type) = SmimeReader.SplitSigned(signedEntity);
        Assert.Equal("application/pkcs7-signature", type.Parameters["protocol"]);
        Assert.Equal(expectedMicAlg, type.Parameters["micalg"]);
        SmimeReader.Verify(content, signature, fixture.Pki.CaCertificatePath);
        AssertCanonical(content);
        AssertBodyMatches(MimeEntity.Load(new MemoryStream(content)), mail);
    }

    private static void AssertCanonical(byte[] content)
    {
        Assert.DoesNotContain(content, b => b > 0x7F);
        string text = System.Text.Encoding.ASCII.GetString(content);
        var lines = text.Split("\r\n");
        Assert.All(lines, line => Assert.DoesNotContain('\n', line));
        Assert.All(lines, line => Assert.True(line.Length <= 998, "line longer than 998"));
        Assert.DoesNotContain(lines, line => line.StartsWith("From ", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.EndsWith(' ') || line.EndsWith('\t'));
    }

    private static void AssertBodyMatches(MimeEntity entity, ProtectEmail mail)
    {
        var parts = entity is Multipart ? ((Multipart)entity).Flatten() : [entity];
        var text = parts.OfType<TextPart>().Single(p => p.IsPlain && !p.IsAttachment);
        var html = parts.OfType<TextPart>().Single(p => p.IsHtml);
        var attachment = parts.OfType<MimePart>().Single(p => p.IsAttachment);
        Assert.Equal(mail.TextBody, TestMails.NormalizeNewLines(text.Text));
        Assert.Equal(mail.HtmlBody, TestMails.NormalizeNewLines(html.Text));
        Assert.Equal("statement.pdf", attachment.FileName);
        Assert.Equal(TestMails.Attachment, SmimeReader.DecodedBody(attachment));
    }
}

internal static class MultipartExtensions
{
    public static List<MimeEntity> Flatten(this Multipart multipart)
    {
        var all = new List<MimeEntity>();
        foreach (var child in multipart)
        {
            if (child is Multipart inner)
            {
                all.AddRange(inner.Flatten());
            }
            else
            {
                all.Add(child);
            }
        }

        return all;
    }
}
