using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>OpenSSL 3 decrypts and verifies what we produce, and finds every CMS structure in DER.</summary>
[Collection("demo-pki")]
public sealed class OpenSslInteropTests(DemoPkiFixture fixture)
{
    private readonly SmimeProtector _protector = new(fixture.Store);

    [Theory]
    [InlineData("sender@demo.smime.test")]
    [InlineData("ecdsa-sender@demo.smime.test")]
    public void OpenSsl_decrypts_and_verifies_signed_and_encrypted_mail(string sender)
    {
        var pki = fixture.Pki;
        string bob = pki.RecipientAddresses[1];
        var mail = TestMails.Create(sender, bob);
        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignAndEncrypt);
        string directory = fixture.NewDirectory("openssl");
        var opened = OpenSslTool.DecryptAndVerify(result.Content, pki.CertificatePath(bob), pki.KeyPath(bob), pki.CaCertificatePath, directory);

        // What OpenSSL says was signed is exactly the entity we signed, and it decodes to the input.
        var (signedContent, _, _) = SmimeReader.SplitSigned(opened.Decrypted);
        byte[] verified = opened.Verified;
        Assert.Equal(TestMails.NormalizeNewLines(System.Text.Encoding.ASCII.GetString(signedContent)), TestMails.NormalizeNewLines(System.Text.Encoding.ASCII.GetString(verified)));
        var entity = MimeEntity.Load(new MemoryStream(verified));
        var text = Assert.IsType<Multipart>(entity).Flatten().OfType<TextPart>().First(p => p.IsPlain);
        Assert.Equal(mail.TextBody, TestMails.NormalizeNewLines(text.Text));

        // The sender's own copy decrypts with the sender's key (RSA senders only: ECDSA keys cannot receive).
        if (sender == pki.SenderAddress)
        {
            OpenSslTool.RunChecked("cms", "-decrypt", "-recip", pki.CertificatePath(sender), "-inkey", pki.KeyPath(sender), "-in", Path.Combine(directory, "protected.eml"), "-out", Path.Combine(directory, "own.eml"));
        }
    }

    [Fact]
    public void A_large_attachment_survives_pooled_buffers_and_long_DER_lengths()
    {
        // 300 KB: every buffer grows past its first rental and the DER lengths need three octets.
        var pki = fixture.Pki;
        string carol = pki.RecipientAddresses[2];
        byte[] large = new byte[300_000];
        new Random(42).NextBytes(large);
        var mail = TestMails.Create(pki.SenderAddress, carol) with { Attachments = [new MailAttachment("large.bin", "application/octet-stream", large)] };
        var result = _protector.Protect(MimeComposer.Compose(mail), SecurityPolicy.SignAndEncrypt);
        var opened = OpenSslTool.DecryptAndVerify(result.Content, pki.CertificatePath(carol), pki.KeyPath(carol), pki.CaCertificatePath, fixture.NewDirectory("large"));

        var (content, _, _) = SmimeReader.SplitSigned(opened.Decrypted);
        var entity = Assert.IsType<Multipart>(MimeEntity.Load(new MemoryStream(content)));
        var attachment = entity.Flatten().OfType<MimePart>().Single(p => p.FileName == "large.bin");
        Assert.Equal(large, SmimeReader.DecodedBody(attachment));
    }

    [Fact]
    public void OpenSsl_refuses_to_decrypt_for_a_key_that_is_not_a_recipient()
    {
        var pki = fixture.Pki;
        var result = _protector.Protect(MimeComposer.Compose(TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[0])), SecurityPolicy.SignAndEncrypt);
        string file = Path.Combine(fixture.NewDirectory("openssl-wrong"), "protected.eml");
        File.WriteAllBytes(file, result.Content);

        string carol = pki.RecipientAddresses[2];
        var decrypt = OpenSslTool.Run("cms", "-decrypt", "-recip", pki.CertificatePath(carol), "-inkey", pki.KeyPath(carol), "-in", file);

        Assert.NotEqual(0, decrypt.ExitCode);
    }

    [Fact]
    public void OpenSsl_detects_a_tampered_signed_body()
    {
        var pki = fixture.Pki;
        var result = _protector.Protect(MimeComposer.Compose(TestMails.Create(pki.SenderAddress, "x@elsewhere.example")), SecurityPolicy.SignOnly);
        string directory = fixture.NewDirectory("openssl-tamper");
        string good = Path.Combine(directory, "good.eml");
        string bad = Path.Combine(directory, "bad.eml");
        File.WriteAllBytes(good, result.Content);
        string text = System.Text.Encoding.ASCII.GetString(result.Content);
        File.WriteAllText(bad, text.Replace("Ende.", "Ende!", StringComparison.Ordinal));

        OpenSslTool.RunChecked("cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", good, "-out", Path.Combine(directory, "good.out"));
        var tampered = OpenSslTool.Run("cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", bad, "-out", Path.Combine(directory, "bad.out"));

        Assert.NotEqual(0, tampered.ExitCode);
    }

    [Fact]
    public void Enveloped_and_signed_data_are_DER_without_indefinite_lengths()
    {
        var pki = fixture.Pki;
        string alice = pki.RecipientAddresses[0];
        var result = _protector.Protect(MimeComposer.Compose(TestMails.Create(pki.SenderAddress, alice)), SecurityPolicy.SignAndEncrypt);
        string directory = fixture.NewDirectory("der");
        byte[] envelopedData = SmimeReader.EnvelopedData(SmimeReader.Parse(result.Content));
        string p7m = Path.Combine(directory, "smime.p7m");
        File.WriteAllBytes(p7m, envelopedData);
        var (_, signature, _) = SmimeReader.SplitSigned(SmimeReader.Decrypt(envelopedData, pki.CertificatePath(alice), pki.KeyPath(alice)));
        string p7s = Path.Combine(directory, "smime.p7s");
        File.WriteAllBytes(p7s, signature);

        foreach (var file in new[] { p7m, p7s })
        {
            var parsed = OpenSslTool.RunChecked("asn1parse", "-inform", "DER", "-in", file);
            Assert.DoesNotContain("l=inf", parsed.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("0:d=0  hl=", parsed.StandardOutput, StringComparison.Ordinal);
        }

        var envelope = OpenSslTool.RunChecked("cms", "-cmsout", "-print", "-inform", "DER", "-in", p7m).StandardOutput;
        Assert.Contains("aes-256-cbc", envelope, StringComparison.Ordinal);
        Assert.Contains("rsaEncryption", envelope, StringComparison.Ordinal);
        Assert.DoesNotContain("des-ede3", envelope, StringComparison.OrdinalIgnoreCase);
    }
}
