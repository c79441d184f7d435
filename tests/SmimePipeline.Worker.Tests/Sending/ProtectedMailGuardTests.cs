using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.Sending;

/// <summary>Issue 13: the sender hands an ESP only bytes that are S/MIME as the mail's declared protection says.</summary>
public sealed class ProtectedMailGuardTests(ProtectedMails mails) : IClassFixture<ProtectedMails>
{
    private const string Plain = "From: a@bank.example\r\nTo: b@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nAccount 12345, balance 1,000,000\r\n";

    [Theory]
    [InlineData(null)]
    [InlineData(AppliedProtection.Signature)]
    [InlineData(AppliedProtection.Encryption)]
    [InlineData(AppliedProtection.SignatureAndEncryption)]
    public void Plaintext_is_refused_whatever_the_declared_protection(AppliedProtection? declared)
    {
        var refusal = ProtectedMailGuard.Check(Encoding.ASCII.GetBytes(Plain), declared);
        Assert.NotNull(refusal);
        Assert.Equal(MailRefusal.NotProtected, refusal.ReasonCode);
        Assert.Contains("text/plain", refusal.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("12345", refusal.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m", "Content-Transfer-Encoding: base64\r\n\r\nQWNjb3VudCAxMjM0NQ==\r\n")]
    [InlineData("application/pkcs7-mime; smime-type=enveloped-data", "\r\nAccount 12345\r\n")]
    [InlineData("multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b", "\r\n--b\r\nContent-Type: text/plain\r\n\r\nAccount 12345\r\n--b\r\nContent-Type: text/plain\r\n\r\nnot a signature\r\n--b--\r\n")]
    [InlineData("multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=b", "\r\n--b\r\nContent-Type: text/plain\r\n\r\nAccount 12345\r\n--b\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\nQWNjb3VudA==\r\n--b--\r\n")]
    [InlineData("multipart/mixed; boundary=b", "\r\n--b\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nx\r\n--b--\r\n")]
    public void Plaintext_under_a_forged_S_MIME_content_type_is_refused(string contentType, string rest)
    {
        var forged = Encoding.ASCII.GetBytes($"From: a@bank.example\r\nTo: b@example.org\r\nMIME-Version: 1.0\r\nContent-Type: {contentType}\r\n{rest}");
        var refusal = ProtectedMailGuard.Check(forged, null);
        Assert.NotNull(refusal);
        Assert.Equal(MailRefusal.NotProtected, refusal.ReasonCode);
    }

    [Fact]
    public void Real_protected_mail_passes_exactly_when_it_is_what_the_signer_declared()
    {
        var signedAndEncrypted = mails.Protect(SecurityPolicy.SignAndEncrypt);
        var signedOnly = mails.Protect(SecurityPolicy.SignOnly);
        var opaque = mails.Protect(SecurityPolicy.SignOnly with { Opaque = true });
        var gcm = mails.Protect(SecurityPolicy.SignAndEncrypt with { Cipher = "aes256-gcm" });

        Assert.Null(ProtectedMailGuard.Check(signedAndEncrypted, AppliedProtection.SignatureAndEncryption));
        Assert.Null(ProtectedMailGuard.Check(signedAndEncrypted, null));
        Assert.Null(ProtectedMailGuard.Check(gcm, AppliedProtection.SignatureAndEncryption));
        Assert.Null(ProtectedMailGuard.Check(signedOnly, AppliedProtection.Signature));
        Assert.Null(ProtectedMailGuard.Check(signedOnly, null));
        Assert.Null(ProtectedMailGuard.Check(opaque, AppliedProtection.Signature));

        // Declared encrypted, but only signed: the content would travel readable.
        Assert.Equal(MailRefusal.NotProtected, ProtectedMailGuard.Check(signedOnly, AppliedProtection.SignatureAndEncryption)?.ReasonCode);
        Assert.Equal(MailRefusal.NotProtected, ProtectedMailGuard.Check(opaque, AppliedProtection.Encryption)?.ReasonCode);
        Assert.Equal(MailRefusal.NotProtected, ProtectedMailGuard.Check(signedAndEncrypted, AppliedProtection.None)?.ReasonCode);
    }

    [Fact]
    public void Garbage_and_empty_bytes_are_refused_not_thrown()
    {
        var random = new Random(13);
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 2000)];
            random.NextBytes(bytes);
            Assert.Equal(MailRefusal.NotProtected, ProtectedMailGuard.Check(bytes, null)?.ReasonCode);
        }
    }
}
