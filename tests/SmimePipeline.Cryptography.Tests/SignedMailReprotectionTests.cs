using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// Issue 13 item 6: protecting a message that already contains a signed part (a forwarded or re-sent signed mail)
/// keeps that part's signature valid. OpenSSL signs the inner part (8-bit content, signed as binary), we protect the
/// message, and OpenSSL verifies first our signature and then, on what it extracted, the inner one.
/// </summary>
[Collection("demo-pki")]
public sealed class SignedMailReprotectionTests(DemoPkiFixture fixture)
{
    private readonly SmimeProtector _protector = new(fixture.Store);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_inner_signed_8bit_part_still_verifies_after_protect(bool encrypt)
    {
        var pki = fixture.Pki;
        string directory = fixture.NewDirectory("reprotect");
        string carol = pki.RecipientAddresses[2];
        string innerSigned = SignWithOpenSsl(directory, carol, "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Zürich, Betrag 100 €\r\nFrom the bank, with trailing space \r\n");
        string alice = pki.RecipientAddresses[0];
        byte[] raw = [.. Encoding.ASCII.GetBytes($"From: {pki.SenderAddress}\r\nTo: {alice}\r\nSubject: forwarded signed mail\r\n"), .. File.ReadAllBytes(innerSigned)];
        using var message = MimeMessageReader.Read(raw, "forwarded mail");

        var result = _protector.Protect(message, encrypt ? SecurityPolicy.SignAndEncrypt : SecurityPolicy.SignOnly);

        string protectedFile = Path.Combine(directory, "protected.eml");
        File.WriteAllBytes(protectedFile, result.Content);
        string signedFile = protectedFile;
        if (encrypt)
        {
            signedFile = Path.Combine(directory, "decrypted.eml");
            OpenSslTool.RunChecked("cms", "-decrypt", "-recip", pki.CertificatePath(alice), "-inkey", pki.KeyPath(alice), "-in", protectedFile, "-out", signedFile);
        }
        else
        {
            // 8-bit signed bytes cannot travel clear-signed over 7-bit transport: the outer signature is opaque.
            string text = Encoding.ASCII.GetString(result.Content);
            Assert.Contains("smime-type=signed-data", text, StringComparison.Ordinal);
            Assert.All(result.Content, b => Assert.True(b < 0x80, "the protected mail is not 7-bit"));
        }

        string extracted = Path.Combine(directory, "inner.eml");
        var outer = OpenSslTool.RunChecked("cms", "-verify", "-binary", "-CAfile", pki.CaCertificatePath, "-in", signedFile, "-out", extracted);
        Assert.Contains("Verification successful", outer.StandardError, StringComparison.Ordinal);
        // The extracted entity is what a mail client shows as the attached signed mail; it verifies it as S/MIME
        // does (RFC 8551 §3.1.1 canonical form), without -binary.
        var inner = OpenSslTool.Run("cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", extracted, "-out", Path.Combine(directory, "inner-content.txt"));

        Assert.True(inner.ExitCode == 0, $"the inner signature no longer verifies: {inner.StandardError}");
        Assert.Contains("Grüße aus Zürich, Betrag 100 €", File.ReadAllText(Path.Combine(directory, "inner-content.txt"), Encoding.UTF8), StringComparison.Ordinal);
    }

    [Fact]
    public void An_inner_signed_7bit_part_keeps_clear_signing_and_verifies()
    {
        var pki = fixture.Pki;
        string directory = fixture.NewDirectory("reprotect7");
        string innerSigned = SignWithOpenSsl(directory, pki.RecipientAddresses[2], "Content-Type: text/plain\r\n\r\nPlain ASCII statement.\r\n");
        byte[] raw = [.. Encoding.ASCII.GetBytes($"From: {pki.SenderAddress}\r\nTo: {pki.RecipientAddresses[0]}\r\nSubject: fwd\r\n"), .. File.ReadAllBytes(innerSigned)];
        using var message = MimeMessageReader.Read(raw, "forwarded mail");

        var result = _protector.Protect(message, SecurityPolicy.SignOnly);

        string protectedFile = Path.Combine(directory, "protected.eml");
        File.WriteAllBytes(protectedFile, result.Content);
        Assert.Contains("multipart/signed", Encoding.ASCII.GetString(result.Content), StringComparison.Ordinal);
        string extracted = Path.Combine(directory, "inner.eml");
        OpenSslTool.RunChecked("cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", protectedFile, "-out", extracted);
        OpenSslTool.RunChecked("cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", extracted, "-out", Path.Combine(directory, "inner-content.txt"));
    }

    /// <summary>openssl cms -sign -binary: the entity is signed byte for byte (no canonicalisation of its own).</summary>
    private string SignWithOpenSsl(string directory, string signer, string entity)
    {
        var pki = fixture.Pki;
        string content = Path.Combine(directory, "entity.mime");
        File.WriteAllBytes(content, Encoding.UTF8.GetBytes(entity));
        string signed = Path.Combine(directory, "inner-signed.eml");
        OpenSslTool.RunChecked("cms", "-sign", "-binary", "-in", content, "-signer", pki.CertificatePath(signer), "-inkey", pki.KeyPath(signer), "-out", signed);
        return signed;
    }
}
