using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using MimeKit;

using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// Clear signing canonicalises the body straight into the multipart/signed entity after its preamble (no copy of the
/// content): a body larger than that buffer's first 64 KB makes it grow while the content is written, and the
/// signature, the encryption and the sign-only output must still cover exactly the bytes that go out.
/// </summary>
[Collection("demo-pki")]
public sealed class InPlaceSigningTests(DemoPkiFixture fixture)
{
    private readonly SmimeProtector _protector = new(fixture.Store);

    public static TheoryData<bool> ComposedForProtection => [true, false];

    [Theory]
    [MemberData(nameof(ComposedForProtection))]
    public void A_body_larger_than_the_first_buffer_is_signed_and_encrypted_over_every_byte(bool forProtection)
    {
        var pki = fixture.Pki;
        string alice = pki.RecipientAddresses[0];
        byte[] attachment = RandomNumberGenerator.GetBytes(300 * 1024);
        var mail = TestMails.Create(pki.SenderAddress, alice) with { Attachments = [new MailAttachment("large.bin", "application/octet-stream", attachment)] };

        using var message = forProtection ? MimeComposer.ComposeForProtection(mail) : MimeComposer.Compose(mail);
        var result = _protector.Protect(message, SecurityPolicy.SignAndEncrypt);

        var decrypted = SmimeReader.Decrypt(SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content)), pki.CertificatePath(alice), pki.KeyPath(alice));
        var (content, signature, _) = SmimeReader.SplitSigned(decrypted);
        Assert.True(content.Length > 400 * 1024, $"the signed content is {content.Length} bytes: not past the first buffer");
        SmimeReader.Verify(content, signature, pki.CaCertificatePath);
        Assert.Equal(attachment, AttachmentOf(content, "large.bin"));

        content[content.Length / 2] ^= 0x01;
        Assert.ThrowsAny<CryptographicException>(() => SmimeReader.Verify(content, signature, pki.CaCertificatePath));
    }

    [Fact]
    public void A_large_sign_only_mail_keeps_its_outer_headers_above_the_signed_entity()
    {
        var pki = fixture.Pki;
        byte[] attachment = RandomNumberGenerator.GetBytes(300 * 1024);
        var mail = TestMails.Create(pki.SenderAddress, "nocert@elsewhere.example") with { Attachments = [new MailAttachment("large.bin", "application/octet-stream", attachment)] };

        using var message = MimeComposer.ComposeForProtection(mail);
        var result = _protector.Protect(message, SecurityPolicy.SignOnly);

        var outer = SmimeReader.Parse(result.Content);
        Assert.Equal(mail.Subject, outer.Subject);
        Assert.IsType<MimeKit.Cryptography.MultipartSigned>(outer.Body);
        var (content, signature, _) = SmimeReader.SplitSigned(RoundTripTests.HeaderlessEntity(result.Content));
        SmimeReader.Verify(content, signature, pki.CaCertificatePath);
        Assert.Equal(attachment, AttachmentOf(content, "large.bin"));
    }

    [Fact]
    public void A_sender_among_the_recipients_gets_one_RecipientInfo()
    {
        // The sender's published certificate and its signing identity's are two objects of the same certificate:
        // the envelope must hold it once, whichever object each lookup returned.
        var pki = fixture.Pki;
        string alice = pki.RecipientAddresses[0];
        var mail = TestMails.Create(pki.SenderAddress, pki.SenderAddress, alice);

        using var message = MimeComposer.ComposeForProtection(mail);
        var result = _protector.Protect(message, SecurityPolicy.SignAndEncrypt);

        var envelope = SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content));
        var cms = new EnvelopedCms();
        cms.Decode(envelope);
        Assert.Equal(2, cms.RecipientInfos.Count);
        Assert.NotEmpty(SmimeReader.Decrypt(envelope, pki.CertificatePath(pki.SenderAddress), pki.KeyPath(pki.SenderAddress)));
        Assert.NotEmpty(SmimeReader.Decrypt(envelope, pki.CertificatePath(alice), pki.KeyPath(alice)));
    }

    [Fact]
    public void Certificates_are_the_same_when_their_DER_is()
    {
        var pki = fixture.Pki;
        using var first = X509CertificateLoader.LoadCertificateFromFile(pki.CertificatePath(pki.RecipientAddresses[0]));
        using var again = X509CertificateLoader.LoadCertificateFromFile(pki.CertificatePath(pki.RecipientAddresses[0]));
        using var other = X509CertificateLoader.LoadCertificateFromFile(pki.CertificatePath(pki.RecipientAddresses[1]));
        var comparer = SameCertificateComparer.Instance;

        Assert.NotSame(first, again);
        Assert.True(comparer.Equals(first, again));
        Assert.Equal(comparer.GetHashCode(first), comparer.GetHashCode(again));
        Assert.False(comparer.Equals(first, other));
        Assert.False(comparer.Equals(first, null));
        Assert.Equal(first.Thumbprint == other.Thumbprint, comparer.Equals(first, other));
    }

    private static byte[] AttachmentOf(byte[] signedContent, string fileName)
    {
        var entity = MimeEntity.Load(new MemoryStream(signedContent));
        var parts = entity is Multipart multipart ? multipart.Flatten() : [entity];
        var part = parts.OfType<MimePart>().Single(p => p.FileName == fileName);
        return SmimeReader.DecodedBody(part);
    }
}
