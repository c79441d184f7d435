using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;

namespace SmimePipeline.Fuzzing;

/// <summary>
/// What a signer reads from a stranger on <c>smime-protect</c> in the binary format (issue 17): the 4-byte manifest
/// length, the JSON manifest and the raw payloads. Expected outcomes: a <see cref="ProtectEmail"/> (the worker's
/// validator judges its fields next), a <see cref="ProtectCommandFormatException"/> naming the broken rule, or a
/// <see cref="ProtectCommandTooLargeException"/>.
/// </summary>
internal sealed class ProtectEmailBinaryTarget : IFuzzTarget
{
    // Small, so that afl-fuzz also reaches the size rule without megabyte inputs.
    private const int MaxMessageBytes = 64 * 1024;

    public string Name => "protect-email";

    public string Description => "bytes -> ProtectEmailBinaryReader.Read (a binary ProtectEmail body from the bus)";

    public void Run(byte[] input)
    {
        try
        {
            _ = ProtectEmailBinaryReader.Read(input, Guid.Empty, MaxMessageBytes);
        }
        catch (ProtectCommandFormatException)
        {
            // The documented refusal: the rule is named, the command goes to smime-protect_error.
        }
        catch (ProtectCommandTooLargeException)
        {
            // The documented refusal for a body above the size limit.
        }
    }

    public void WriteSeeds(string directory)
    {
        var full = new ProtectEmail
        {
            MailId = Guid.NewGuid(),
            From = new MailAddress("statements@bank.example", "Bank"),
            To = [new MailAddress("customer@example.org")],
            Cc = [new MailAddress("advisor@bank.example", "Advisor")],
            Bcc = [new MailAddress("archive@bank.example")],
            Subject = "Your statement — März",
            TextBody = "Balance attached.\r\n",
            HtmlBody = "<p>Balance attached.</p>",
            Attachments = [new MailAttachment("statement.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF-1.7\n%%EOF\n")), new MailAttachment("empty.txt", "text/plain", [])],
            Headers = new Dictionary<string, string> { ["X-Customer-Ref"] = "4711" },
            Policy = SecurityPolicy.SignOnly,
        };
        File.WriteAllBytes(Path.Combine(directory, "full.bin"), ProtectEmailBinaryWriter.Write(full));
        var minimal = new ProtectEmail { MailId = Guid.NewGuid(), From = new MailAddress("statements@bank.example"), To = [new MailAddress("customer@example.org")] };
        File.WriteAllBytes(Path.Combine(directory, "minimal.bin"), ProtectEmailBinaryWriter.Write(minimal));
    }
}
