using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Cryptography.Tests.Algorithms;

namespace SmimePipeline.InteropTests;

/// <summary>
/// A <c>ProtectEmail</c> composed as the worker composes it (<see cref="MimeComposer.ComposeForProtection(ProtectEmail)"/>:
/// the body written straight into canonical bytes, no MimeKit parts), with text, HTML and two attachments (one with a
/// non-ASCII file name that MimeKit encodes by RFC 2231), with and without header protection: OpenSSL 3, NSS cmsutil
/// and gpgsm 2.2 each decrypt it, verify the signature and find every part with its content.
/// </summary>
public sealed class ComposedForProtectionInteropTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>
{
    private static readonly byte[] Pdf = [.. Enumerable.Range(0, 20_000).Select(i => (byte)(i * 13))];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Three_engines_decrypt_verify_and_read_every_part(bool headerProtection)
    {
        var protector = pki.CreateProtector(new ProtectionOptions { HeaderProtection = headerProtection });
        var mail = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress(AlgorithmPki.RsaSender, "Bank"),
            To = [new MailAddress(AlgorithmPki.RsaRecipient, "Kundin Ä")],
            Subject = "Kontoauszug November",
            TextBody = "Ihr Kontoauszug liegt bei.\nFrom here on: Grüße   \n",
            HtmlBody = "<html><body><p>Ihr Kontoauszug liegt bei. Grüße</p></body></html>",
            Attachments =
            [
                new MailAttachment("statement.pdf", "application/pdf", Pdf),
                new MailAttachment("Gebührenübersicht November 2026 – alle Konten.csv", "text/csv; charset=utf-8", "Konto;Gebühr\r\n1;2,50\r\n"u8.ToArray()),
            ],
        };
        using var message = MimeComposer.ComposeForProtection(mail);
        byte[] protectedMail = protector.Protect(message, new SecurityPolicy()).Content;

        foreach (var (_, entity) in ThreeEngines.DecryptAndVerify(pki, "composed", protectedMail, AlgorithmPki.RsaRecipient))
        {
            var payload = Assert.IsType<Multipart>(entity);
            Assert.Equal(headerProtection ? "cipher" : null, payload.ContentType.Parameters.TryGetValue("hp", out string? hp) ? hp : null);
            var parts = Leaves(payload).ToList();
            var plain = parts.OfType<TextPart>().First(p => p.IsPlain);
            Assert.EndsWith(mail.TextBody, plain.Text.ReplaceLineEndings("\n"), StringComparison.Ordinal);
            var attachments = parts.Where(p => p.IsAttachment).ToList();
            Assert.Equal(["statement.pdf", "Gebührenübersicht November 2026 – alle Konten.csv"], attachments.Select(a => a.FileName));
            using var pdf = new MemoryStream();
            attachments[0].Content!.DecodeTo(pdf);
            Assert.Equal(Pdf, pdf.ToArray());
        }
    }

    private static IEnumerable<MimePart> Leaves(MimeEntity entity) => entity switch
    {
        Multipart multipart => multipart.SelectMany(Leaves),
        MimePart part => [part],
        _ => [],
    };
}
