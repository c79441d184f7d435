using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Worker.Validation;

/// <summary>
/// Reads the RFC 5322 message of a <see cref="ProtectMimeMessage"/> the one way every door does: the signer's intake and
/// <c>smime protect</c> (session 20), so that a message one door cannot read is refused by the other with the same code.
/// </summary>
public static class ProtectMimeMessageParser
{
    /// <summary>The message of <paramref name="mail"/>, as MimeKit reads it.</summary>
    /// <param name="mail">A command that passed <see cref="ProtectMimeMessageValidator"/>.</param>
    /// <returns>The message; the caller disposes it.</returns>
    /// <exception cref="ProtectionRefusedException"><c>invalid-message</c>: MimeKit cannot read it (the text is not quoted).</exception>
    public static MimeMessage Parse(ProtectMimeMessage mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        try
        {
            using var stream = new MemoryStream(mail.Message, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new ProtectionRefusedException($"Mail {mail.MailId} is not a readable RFC 5322 message.", ex);
        }
    }
}
