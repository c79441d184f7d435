using System.Text;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// The MIME input of protect (what a <c>ProtectMimeMessage</c> or <c>smime protect</c> hands the signer): parse,
/// then sign and encrypt with the demo PKI. Expected outcomes: protected bytes, or a <see cref="ProtectionRefusedException"/>.
/// </summary>
internal sealed class MimeProtectTarget : IFuzzTarget
{
    public string Name => "mime";

    public string Description => "raw MIME -> MimeMessageReader.Read -> SmimeProtector.Protect (sign+encrypt, sign-only)";

    public void Run(byte[] input)
    {
        var environment = FuzzEnvironment.Instance;
        // The first byte picks the policy, so both paths are explored from one corpus.
        var policy = input.Length > 0 && (input[0] & 1) == 1 ? SecurityPolicy.SignOnly : SecurityPolicy.SignAndEncrypt;
        try
        {
            using var message = MimeMessageReader.Read(input, "fuzz input");
            var result = environment.Protector.Protect(message, policy);
            if (result.Content.Length == 0)
            {
                throw new InvalidOperationException("Protect returned no bytes without refusing.");
            }
        }
        catch (ProtectionRefusedException)
        {
            // A documented refusal with its reason: the expected answer to hostile input.
        }
    }

    public void WriteSeeds(string directory)
    {
        var pki = FuzzEnvironment.Instance.Pki;
        string from = pki.SenderAddress;
        string to = pki.RecipientAddresses[0];
        Write(directory, "plain.eml", $"From: Sender <{from}>\r\nTo: {to}\r\nSubject: Statement\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@demo.smime.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\nyour statement is ready.\r\n");
        Write(directory, "sign-only.eml", $"From: {from}\r\nTo: {to}, {pki.RecipientAddresses[1]}\r\nCc: {pki.RecipientAddresses[2]}\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nFrom the bank\r\ntrailing space \r\n");
        Write(directory, "alternative.eml", $"From: {from}\r\nTo: {to}\r\nSubject: alt\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Gr=C3=BC=C3=9Fe</p>\r\n--b1--\r\n");
        Write(directory, "attachment.eml", $"From: {from}\r\nTo: {to}\r\nSubject: att\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\npreamble\r\n--m\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--m\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSPj4Kc3RyZWFtCg==\r\n--m\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@y\r\nSubject: inner\r\n\r\ninner body\r\n--m--\r\nepilogue\r\n");
        Write(directory, "signed-inner.eml", $"From: {from}\r\nTo: {to}\r\nSubject: fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"s\"\r\n\r\n--s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n--s\r\nContent-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\nMIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAA==\r\n--s--\r\n");

        // A mail as the composer builds it for a ProtectEmail (the other producer path).
        using var composed = MimeComposer.Compose(new ProtectEmail
        {
            MailId = Guid.Parse("8f9c1f4e-6a55-4b43-9d64-0c2f4b7b1a10"),
            From = new MailAddress(from, "Bank"),
            To = [new MailAddress(to)],
            Subject = "Your contract",
            TextBody = "Dear customer,\nplease find your contract attached.\n",
            HtmlBody = "<p>Dear customer</p>",
            Attachments = [new MailAttachment("contract.txt", "text/plain", Encoding.UTF8.GetBytes("terms"))],
            Headers = new Dictionary<string, string> { ["X-Customer"] = "42" },
        });
        using var buffer = new MemoryStream();
        composed.WriteTo(FormatOptions.Default, buffer);
        File.WriteAllBytes(Path.Combine(directory, "composed.eml"), buffer.ToArray());
    }

    private static void Write(string directory, string name, string text) =>
        File.WriteAllBytes(Path.Combine(directory, name), Encoding.UTF8.GetBytes(text));
}
