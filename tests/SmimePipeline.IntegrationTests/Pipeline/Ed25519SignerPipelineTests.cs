using MimeKit;
using Org.BouncyCastle.Cms;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// An Ed25519 signer (RFC 8419) imported with <c>smime certs import-signer --key</c> (PEM certificate, PKCS#8 key
/// made by OpenSSL) signs mail through the real RabbitMQ pipeline. OpenSSL decrypts; BouncyCastle verifies the
/// signature, since OpenSSL 3.0 cannot verify Ed25519 SignedData.
/// </summary>
public sealed class Ed25519SignerPipelineTests : BrokerTest
{
    private const string Sender = "ed25519-signer@" + DemoPki.Domain;

    [Fact]
    public async Task Mail_signed_by_an_Ed25519_identity_imported_by_the_CLI_decrypts_and_verifies_with_BouncyCastle()
    {
        string keyPath = Path.Combine(Temp.Path, "ed25519.key.pem");
        string certificatePath = Path.Combine(Temp.Path, "ed25519.crt.pem");
        var generated = await ExternalTool.RunAsync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", keyPath]);
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        var publicKey = await ExternalTool.RunAsync("openssl", ["pkey", "-in", keyPath, "-pubout", "-outform", "DER"]);
        Assert.True(publicKey.ExitCode == 0, publicKey.Stderr);
        using (var authority = Pki.LoadAuthority())
        using (var certificate = TokenCertificates.Issue(authority, Sender, publicKey.Stdout))
        {
            await File.WriteAllTextAsync(certificatePath, System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n");
        }

        var imported = await SmimeCli.RunAsync(["certs", "import-signer", certificatePath, "--key", keyPath, "--store", Pki.StorePath]);
        Assert.True(imported.ExitCode == 0, $"import-signer exited {imported.ExitCode}: {imported.Stderr}");
        Assert.Contains(Sender, imported.StdoutText, StringComparison.Ordinal);

        string outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));

        var mails = Enumerable.Range(0, 4)
            .Select(i => TestMails.Create(i, Sender, Sender, Pki.RecipientAddresses) with { Policy = SecurityPolicy.SignAndEncrypt with { Opaque = i % 2 == 0 } })
            .ToList();
        await PublishAsync(mails, inFlight: 100);

        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length >= mails.Count),
            TimeSpan.FromMinutes(3),
            () => $"{(Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0)} of {mails.Count} mails delivered");
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));

        foreach (var mail in mails)
        {
            string recipient = mail.To[0].Address;
            var decrypted = await ExternalTool.RunAsync(
                "openssl", ["cms", "-decrypt", "-recip", Pki.CertificatePath(recipient), "-inkey", Pki.KeyPath(recipient), "-in", Path.Combine(outbox, $"{mail.MailId:N}.eml")]);
            Assert.True(decrypted.ExitCode == 0, $"openssl could not decrypt {mail.MailId:N}: {decrypted.Stderr}");
            string content = VerifyWithBouncyCastle(decrypted.Stdout);
            Assert.Contains(TestMails.Marker(mail.MailId), content, StringComparison.Ordinal);
        }
    }

    /// <summary>Verifies the Ed25519 SignedData (multipart/signed or opaque) with BouncyCastle's CMS verifier and returns the signed content.</summary>
    private static string VerifyWithBouncyCastle(byte[] entityBytes)
    {
        var entity = MimeEntity.Load(new MemoryStream(entityBytes));
        CmsSignedData signedData;
        if (entity is MimeKit.Cryptography.MultipartSigned multipart)
        {
            // The signed bytes are the first part exactly as sent, between the first boundary and the next.
            string boundary = "--" + multipart.Boundary;
            string text = System.Text.Encoding.Latin1.GetString(entityBytes);
            int start = text.IndexOf(boundary + "\r\n", StringComparison.Ordinal) + boundary.Length + 2;
            int end = text.IndexOf("\r\n" + boundary, start, StringComparison.Ordinal);
            Assert.True(start > boundary.Length && end > start, "the multipart/signed entity has no first part");
            byte[] signed = entityBytes[start..end];
            using var signature = new MemoryStream();
            var signaturePart = Assert.IsType<MimeKit.Cryptography.ApplicationPkcs7Signature>(multipart[1]);
            Assert.NotNull(signaturePart.Content);
            signaturePart.Content.DecodeTo(signature);
            signedData = new CmsSignedData(new CmsProcessableByteArray(signed), signature.ToArray());
        }
        else
        {
            using var der = new MemoryStream();
            var part = Assert.IsType<MimeKit.Cryptography.ApplicationPkcs7Mime>(entity);
            Assert.NotNull(part.Content);
            part.Content.DecodeTo(der);
            signedData = new CmsSignedData(der.ToArray());
        }

        var certificates = signedData.GetCertificates();
        var signers = signedData.GetSignerInfos().GetSigners();
        Assert.Single(signers);
        foreach (SignerInformation signerInfo in signers)
        {
            Assert.Equal("1.3.101.112", signerInfo.SignatureAlgorithm.Algorithm.Id);
            var certificate = certificates.EnumerateMatches(signerInfo.SignerID).Single();
            Assert.True(signerInfo.Verify(certificate), "BouncyCastle did not verify the Ed25519 signature");
        }

        using var content = new MemoryStream();
        signedData.SignedContent.Write(content);
        return System.Text.Encoding.UTF8.GetString(content.ToArray());
    }
}
