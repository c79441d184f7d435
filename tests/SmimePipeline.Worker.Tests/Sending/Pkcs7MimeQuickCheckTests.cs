using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.Worker.Tests.Sending;

/// <summary>
/// Issue 17: the sender guard decides the signer's usual output from its headers and first body bytes. It may only
/// ever agree with the full MimeKit parse; anything it is unsure of goes to that parse.
/// </summary>
public sealed class Pkcs7MimeQuickCheckTests(ProtectedMails mails) : IClassFixture<ProtectedMails>
{
    [Fact]
    public void The_signers_pkcs7_mime_outputs_are_recognised_without_the_full_parse_and_multipart_signed_is_left_to_it()
    {
        Assert.Equal(ProtectedMailGuard.Found.Enveloped, ProtectedMailGuard.InspectQuickly(mails.Protect(SecurityPolicy.SignAndEncrypt)));
        Assert.Equal(ProtectedMailGuard.Found.Enveloped, ProtectedMailGuard.InspectQuickly(mails.Protect(SecurityPolicy.SignAndEncrypt with { Cipher = "aes256-gcm" })));
        Assert.Equal(ProtectedMailGuard.Found.Signed, ProtectedMailGuard.InspectQuickly(mails.Protect(SecurityPolicy.SignOnly with { Opaque = true })));
        Assert.Equal(ProtectedMailGuard.Found.Nothing, ProtectedMailGuard.InspectQuickly(mails.Protect(SecurityPolicy.SignOnly)));
    }

    [Theory]
    [InlineData("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n")]
    [InlineData("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: quoted-printable\r\n")]
    [InlineData("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n")]
    [InlineData("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\r\nBroken header line\r\n")]
    [InlineData("Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64\nX-Bare-LF: 1\r\n")]
    public void Doubtful_header_blocks_are_left_to_the_full_parse(string headers)
    {
        var real = Encoding.ASCII.GetString(mails.Protect(SecurityPolicy.SignAndEncrypt));
        var body = real[(real.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        var doubtful = Encoding.ASCII.GetBytes("From: a@bank.example\r\nMIME-Version: 1.0\r\n" + headers + "\r\n" + body);

        Assert.Equal(ProtectedMailGuard.Found.Nothing, ProtectedMailGuard.InspectQuickly(doubtful));
    }

    [Fact]
    public void Whenever_the_quick_check_recognises_a_mutated_mail_the_full_parse_finds_the_same()
    {
        var originals = new[]
        {
            mails.Protect(SecurityPolicy.SignAndEncrypt),
            mails.Protect(SecurityPolicy.SignAndEncrypt with { Cipher = "aes256-gcm" }),
            mails.Protect(SecurityPolicy.SignOnly with { Opaque = true }),
        };
        byte[] alphabet = [(byte)' ', (byte)'\t', (byte)'\r', (byte)'\n', (byte)':', (byte)';', (byte)'"', (byte)'=', (byte)'(', (byte)'A', (byte)'/', 0x00, 0x80, 0xC3];
        var random = new Random(17);
        int recognised = 0, checkedMails = 0;
        for (var i = 0; i < 3000; i++)
        {
            var mail = (byte[])originals[i % originals.Length].Clone();
            var window = Math.Min(mail.Length, Encoding.ASCII.GetString(mail).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 120);
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                mail[random.Next(window)] = alphabet[random.Next(alphabet.Length)];
            }

            var quick = ProtectedMailGuard.InspectQuickly(mail);
            checkedMails++;
            if (quick == ProtectedMailGuard.Found.Nothing)
            {
                continue;
            }

            recognised++;
            Assert.Equal(ProtectedMailGuard.Inspect(mail, out _), quick);
        }

        // The mutations must leave enough mails recognised for the agreement to mean something, and refuse some.
        Assert.InRange(recognised, 100, checkedMails - 100);
    }
}
