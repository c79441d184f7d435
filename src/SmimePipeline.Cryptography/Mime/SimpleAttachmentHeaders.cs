using System.Buffers;
using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// The headers of an attachment part in the common case, written without MimeKit's <see cref="MimeKit.MimePart"/>:
/// a lower-case <c>type/subtype</c> without parameters and a short file name of letters, digits, '.', '-' and '_'.
/// For such an attachment MimeKit writes exactly these bytes (no quoting, no RFC 2231 encoding, no folding: every line
/// stays under 78 characters; <c>ProtectEmailBodyTests</c> holds the two equal); building the part per mail, with a
/// header re-serialised for every property set, was a sixth of the composition's time. Anything else keeps the part.
/// </summary>
internal static class SimpleAttachmentHeaders
{
    // RFC 2045 token characters that MimeKit never quotes nor encodes, in a type or subtype and in a file name.
    private static readonly SearchValues<char> TypeCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789.+-");
    private static readonly SearchValues<char> FileNameCharacters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_");

    // The longest line written here, CRLF excluded: below the 78 characters at which MimeKit folds a header.
    private const int MaxLineLength = 76;

    /// <summary>The most bytes these headers take: three lines of at most <see cref="MaxLineLength"/> and their CRLFs.</summary>
    public const int MaxHeaderBytes = 3 * (MaxLineLength + 2);

    /// <summary>Whether <paramref name="attachment"/>'s headers have the simple form (then <see cref="Write"/> writes them).</summary>
    public static bool Applies(MailAttachment attachment)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        string? type = attachment.ContentType;
        string? name = attachment.FileName;
        if (string.IsNullOrEmpty(type) || string.IsNullOrEmpty(name) || name.AsSpan().ContainsAnyExcept(FileNameCharacters))
        {
            return false;
        }

        int slash = type.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == type.Length - 1 || type.AsSpan(0, slash).ContainsAnyExcept(TypeCharacters) || type.AsSpan(slash + 1).ContainsAnyExcept(TypeCharacters))
        {
            return false;
        }

        return "Content-Type: ".Length + type.Length + "; name=".Length + name.Length <= MaxLineLength
            && "Content-Disposition: attachment; filename=".Length + name.Length <= MaxLineLength;
    }

    /// <summary>Writes the part's headers and the blank line after them, as MimeKit's <c>HeaderList.WriteTo</c> does.</summary>
    /// <param name="attachment">An attachment for which <see cref="Applies"/> is true.</param>
    /// <param name="destination">Where the canonical bytes go.</param>
    public static void Write(MailAttachment attachment, PooledMemoryStream destination)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write("Content-Type: "u8);
        WriteAscii(destination, attachment.ContentType);
        destination.Write("; name="u8);
        WriteAscii(destination, attachment.FileName);
        destination.Write("\r\nContent-Disposition: attachment; filename="u8);
        WriteAscii(destination, attachment.FileName);
        destination.Write("\r\nContent-Transfer-Encoding: base64\r\n\r\n"u8);
    }

    private static void WriteAscii(PooledMemoryStream destination, string text)
    {
        int written = Encoding.ASCII.GetBytes(text, destination.GetSpan(text.Length));
        destination.Advance(written);
    }
}
