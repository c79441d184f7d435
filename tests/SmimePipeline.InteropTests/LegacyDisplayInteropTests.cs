using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Tests.Algorithms;

namespace SmimePipeline.InteropTests;

/// <summary>
/// A mail protected with header protection and RFC 9788's legacy display (the defaults with header protection on),
/// decrypted and verified by OpenSSL 3, NSS cmsutil and gpgsm 2.2: each engine's decrypted payload has a text/plain
/// part marked <c>hp-legacy-display="1"</c> that begins with the real Subject, an HTML alternative that begins with
/// the <c>div.header-protection-legacy-display</c>, and the signature over them verifies in all three.
/// </summary>
public sealed class LegacyDisplayInteropTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    private const string Subject = "Kontoauszug November: Gebühren & <Zinsen>";

    [Fact]
    public void Three_engines_decrypt_verify_and_read_the_legacy_display()
    {
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = true });
        var mail = ProtectedBytes.Mail(AlgorithmPki.RsaSender, Subject, AlgorithmPki.RsaRecipient);
        mail.Body = new MultipartAlternative
        {
            new TextPart("plain") { Text = "Ihr Kontoauszug liegt bei.\n" },
            new TextPart("html") { Text = "<html><body><p>Ihr Kontoauszug liegt bei.</p></body></html>\n" },
        };
        byte[] protectedMail = protector.Protect(mail, new SecurityPolicy()).Content;
        Assert.Equal("[...]", MimeMessage.Load(new MemoryStream(protectedMail)).Subject);

        foreach (var (_, payload) in ThreeEngines.DecryptAndVerify(pki, "legacy-display", protectedMail, AlgorithmPki.RsaRecipient))
        {
            Assert.Equal("cipher", payload.ContentType.Parameters["hp"]);
            var alternative = Assert.IsType<MultipartAlternative>(payload);
            var plain = Assert.IsType<TextPart>(alternative[0]);
            var html = Assert.IsType<TextPart>(alternative[1]);
            Assert.Equal("1", plain.ContentType.Parameters[LegacyDisplay.Parameter]);
            Assert.StartsWith($"Subject: {Subject}\n\nIhr Kontoauszug liegt bei.", plain.Text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            Assert.Equal("1", html.ContentType.Parameters[LegacyDisplay.Parameter]);
            Assert.StartsWith(
                "<html><body><div class=\"header-protection-legacy-display\">\n<pre>Subject: Kontoauszug November: Gebühren &amp; &lt;Zinsen&gt;</pre>\n</div>\n<p>",
                html.Text.ReplaceLineEndings("\n"),
                StringComparison.Ordinal);
        }
    }
}
