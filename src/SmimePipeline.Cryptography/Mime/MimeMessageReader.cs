using MimeKit;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>Parses untrusted RFC 5322 bytes (a raw message to protect, a signed mail to harvest) into a <see cref="MimeMessage"/>.</summary>
public static class MimeMessageReader
{
    /// <summary>Parses <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The message.</param>
    /// <param name="name">What to call it in an error (a mail id, a file name); never content.</param>
    /// <returns>The message (the caller disposes it).</returns>
    /// <exception cref="ProtectionRefusedException"><see cref="ProtectionRefusal.InvalidMessage"/>: empty, or not a readable message.</exception>
    public static MimeMessage Read(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(name);
        if (bytes.Length == 0)
        {
            throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, null, $"{name} is empty.");
        }

        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new ProtectionRefusedException($"{name} is not a readable RFC 5322 message.", ex);
        }
    }
}
