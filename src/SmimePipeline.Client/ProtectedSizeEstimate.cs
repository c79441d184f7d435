using System.Text;
using SmimePipeline.Contracts;

namespace SmimePipeline.Client;

/// <summary>
/// A lower bound of a mail's size once protected, so that the client refuses only what can never fit: attachments
/// travel in base64 (4/3 of their bytes), bodies at least as their UTF-8 bytes, and encryption wraps the whole entity in
/// base64 once more. The workers check the exact size after protecting.
/// </summary>
public static class ProtectedSizeEstimate
{
    /// <summary>The least size <paramref name="mail"/> can have once protected.</summary>
    public static long Of(ProtectEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        long bytes = Utf8(mail.TextBody) + Utf8(mail.HtmlBody) + Utf8(mail.Subject);
        foreach (var attachment in mail.Attachments ?? [])
        {
            bytes += Base64((attachment?.Content?.LongLength) ?? 0);
        }

        return mail.Policy is { Encrypt: true } or null ? Base64(bytes) : bytes;
    }

    /// <summary>The least size an RFC 5322 message of <paramref name="messageBytes"/> bytes can have once protected by <paramref name="policy"/>.</summary>
    public static long Of(long messageBytes, SecurityPolicy? policy) =>
        policy is { Encrypt: false } ? messageBytes : Base64(messageBytes);

    private static long Utf8(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    private static long Base64(long bytes) => (bytes + 2) / 3 * 4;
}
