using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// The signed-mail reader that harvest runs on mail from outside: parse, then verify the S/MIME signature and
/// read its certificates and SMIMECapabilities. Expected outcomes: the certificates, or a <see cref="ProtectionRefusedException"/>.
/// </summary>
internal sealed class SignedMailTarget : IFuzzTarget
{
    public string Name => "signed-mail";

    public string Description => "raw MIME -> MimeMessageReader.Read -> SignedMailReader.Read (harvest)";

    public void Run(byte[] input)
    {
        try
        {
            using var message = MimeMessageReader.Read(input, "fuzz input");
            var read = SignedMailReader.Read(message);
            foreach (var certificate in read.Certificates)
            {
                _ = CertificateAddresses.Get(certificate);
            }
        }
        catch (ProtectionRefusedException)
        {
            // A documented refusal with its reason.
        }
    }

    public void WriteSeeds(string directory)
    {
        var environment = FuzzEnvironment.Instance;
        var pki = environment.Pki;
        // Real signed mail from our own protector, both shapes harvest reads.
        foreach (var (name, opaque) in new[] { ("clear-signed.eml", false), ("opaque-signed.eml", true) })
        {
            using var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(pki.SenderAddress));
            message.To.Add(MailboxAddress.Parse(pki.RecipientAddresses[0]));
            message.Subject = "capabilities";
            message.Body = new TextPart("plain") { Text = "signed\r\n" };
            var signed = environment.Protector.Protect(message, SecurityPolicy.SignOnly with { Opaque = opaque });
            File.WriteAllBytes(Path.Combine(directory, name), signed.Content);
        }
    }
}
