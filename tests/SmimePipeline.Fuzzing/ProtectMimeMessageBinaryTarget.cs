using System.Text;
using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// What a signer reads from a stranger on <c>smime-protect</c> as a binary <c>ProtectMimeMessage</c> (issue 17): the
/// <c>smime-policy</c> header and the body, through <see cref="ProtectMimeMessageBinarySerializer"/> with its size rule.
/// The input's first line (up to the first LF) is the header's value, absent when the input has no LF; the rest is the
/// body. Expected outcomes: a <see cref="ProtectMimeMessage"/> (the validator and MimeKit judge it next; the
/// <c>mime</c> target fuzzes that), a <see cref="ProtectCommandFormatException"/> naming the header, or a
/// <see cref="ProtectCommandTooLargeException"/>.
/// </summary>
internal sealed class ProtectMimeMessageBinaryTarget : IFuzzTarget
{
    // Small, so that afl-fuzz also reaches the size rule without megabyte inputs.
    private const int MaxMessageBytes = 64 * 1024;
    private static readonly string MailId = Guid.NewGuid().ToString("D");
    private static readonly ProtectMimeMessageBinarySerializer Serializer = new(MaxMessageBytes);

    public string Name => "protect-mime-message";

    public string Description => "bytes -> ProtectMimeMessageBinarySerializer.Deserialize (policy header line, then the body)";

    public void Run(byte[] input)
    {
        var headers = new Dictionary<string, object?>(StringComparer.Ordinal) { [ProtectCommandBinaryFormat.MailIdHeader] = MailId };
        var newline = Array.IndexOf(input, (byte)'\n');
        var body = input;
        if (newline >= 0)
        {
            // Lossy decoding is what a broker client hands over for a header of invalid UTF-8.
            headers[ProtectCommandBinaryFormat.PolicyHeader] = Encoding.UTF8.GetString(input, 0, newline);
            body = input[(newline + 1)..];
        }

        try
        {
            var context = Serializer.Deserialize(new BytesMessageBody(body), new DictionarySendHeaders(headers));
            if (!context.TryGetMessage<ProtectMimeMessage>(out var mail) || mail!.MailId.ToString("D") != MailId || mail.Message.Length != body.Length)
            {
                throw new InvalidOperationException("the serializer returned another message than the body and headers it was given");
            }
        }
        catch (ProtectCommandFormatException)
        {
            // The documented refusal: the header is named, the command goes to smime-protect_error.
        }
        catch (ProtectCommandTooLargeException)
        {
            // The documented refusal for a body above the size limit.
        }
    }

    public void WriteSeeds(string directory)
    {
        var eml = "From: statements@bank.example\r\nTo: customer@example.org\r\nSubject: Ihr Auszug\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\nBalance attached.\r\n";
        var policy = new SecurityPolicy { Encrypt = false, Cipher = "aes128-cbc", HeaderProtection = true, MissingCertificate = MissingCertificatePolicy.Split };
        File.WriteAllText(Path.Combine(directory, "policy.bin"), JsonSerializer.Serialize(policy, ProtectCommandJsonContext.Default.SecurityPolicy) + "\n" + eml);
        File.WriteAllText(Path.Combine(directory, "null-policy.bin"), "null\n" + eml);
        File.WriteAllBytes(Path.Combine(directory, "no-policy.bin"), Encoding.ASCII.GetBytes("From: a@b.example"));
    }
}
