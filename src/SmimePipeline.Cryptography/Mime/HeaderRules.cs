using System.Globalization;
using System.Text;
using MimeKit;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// What a header must be before it is signed or copied into the outer headers (RFC 5322 §2.1.1, §2.2, §3.2.2):
/// a field name of printable US-ASCII without a colon; a value without NUL, without a bare CR or LF (a line
/// break is only allowed as a fold, followed by a space or tab); no physical line longer than 998 octets; all
/// headers together no larger than a limit. A violation is refused as <see cref="ProtectionRefusal.InvalidHeader"/>
/// naming the header and the rule, never the value.
/// </summary>
public static class HeaderRules
{
    /// <summary>The longest line RFC 5322 §2.1.1 allows, without its CRLF. 998.</summary>
    public const int MaxLineLength = 998;

    /// <summary>The default limit for all headers of one message together. 256 KiB.</summary>
    public const int DefaultMaxHeaderBytes = 256 * 1024;

    private const int MaxNameLength = 76;

    /// <summary>
    /// Checks a header a producer supplies as a name and an unfolded string (a <c>ProtectEmail</c> field): the
    /// name, and a value without NUL, CR, LF or other control characters (TAB excepted).
    /// </summary>
    /// <param name="name">The field name.</param>
    /// <param name="value">The value; <see langword="null"/> is empty.</param>
    /// <exception cref="ProtectionRefusedException"><see cref="ProtectionRefusal.InvalidHeader"/>: which header, which rule.</exception>
    public static void CheckValue(string name, string? value)
    {
        ArgumentNullException.ThrowIfNull(name);
        CheckName(name);
        if (value is null)
        {
            return;
        }

        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '\0')
            {
                throw Refuse(name, "its value contains a NUL character (RFC 5322 §2.2)");
            }

            if (c is '\r' or '\n')
            {
                throw Refuse(name, $"its value contains a line break ({(c == '\r' ? "CR" : "LF")}); a header value is one line (RFC 5322 §2.2)");
            }

            if (char.IsControl(c) && c != '\t')
            {
                throw Refuse(name, string.Create(CultureInfo.InvariantCulture, $"its value contains the control character U+{(int)c:X4} (RFC 5322 §2.2)"));
            }
        }
    }

    /// <summary>
    /// Checks every header of <paramref name="headers"/> as it will be written (raw values, folds included).
    /// </summary>
    /// <param name="headers">The headers of a message or entity.</param>
    /// <param name="maxTotalBytes">The limit for all of them together, names, colons and values counted (Bcc, which is not sent, is not counted).</param>
    /// <exception cref="ProtectionRefusedException"><see cref="ProtectionRefusal.InvalidHeader"/>: which header, which rule.</exception>
    public static void Check(HeaderList headers, int maxTotalBytes = DefaultMaxHeaderBytes)
    {
        ArgumentNullException.ThrowIfNull(headers);
        long total = 0;
        foreach (var header in headers)
        {
            CheckName(header.Field);
            var raw = header.RawValue;
            CheckRawValue(header.Field, raw);
            if (header.Id == HeaderId.Bcc)
            {
                // Bcc never leaves (RFC 5322 §3.6.3): it is checked but not counted, so a mail to thousands of
                // blind-copied recipients is not refused for a header that is not sent.
                continue;
            }

            total += Encoding.UTF8.GetByteCount(header.Field) + 1 + raw.Length;
            if (total > maxTotalBytes)
            {
                throw new ProtectionRefusedException(
                    ProtectionRefusal.InvalidHeader,
                    null,
                    string.Create(CultureInfo.InvariantCulture, $"The headers of the mail are larger than {maxTotalBytes:N0} bytes (at {Printable(header.Field)}); the limit is SmimePipeline:Signer:Protection:MaxHeaderBytes."));
            }
        }
    }

    private static void CheckName(string name)
    {
        // RFC 5322 §3.6.8: field-name = 1*ftext; ftext = %d33-57 / %d59-126.
        if (name.Length == 0)
        {
            throw Refuse(name, "its name is empty");
        }

        if (name.Length > MaxNameLength)
        {
            throw Refuse(name, string.Create(CultureInfo.InvariantCulture, $"its name is longer than {MaxNameLength} characters"));
        }

        foreach (char c in name)
        {
            if (c is < '!' or > '~' or ':')
            {
                throw Refuse(name, "its name has a character outside RFC 5322 ftext (printable US-ASCII except ':')");
            }
        }
    }

    private static void CheckRawValue(string name, ReadOnlySpan<byte> raw)
    {
        // The first physical line also carries "Name:".
        int lineLength = name.Length + 1;
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            switch (b)
            {
                case 0:
                    throw Refuse(name, "its value contains a NUL byte (RFC 5322 §2.2)");
                case (byte)'\r' when i + 1 < raw.Length && raw[i + 1] == (byte)'\n':
                    continue;
                case (byte)'\r':
                    throw Refuse(name, "its value contains a bare CR (RFC 5322 §2.2)");
                case (byte)'\n':
                    // A line break inside a value is a fold only when white space follows (RFC 5322 §2.2.3);
                    // one at the very end is the header's own line end.
                    if (i + 1 < raw.Length && raw[i + 1] is not ((byte)' ' or (byte)'\t'))
                    {
                        throw Refuse(name, "its value contains a line break that is not a fold (a bare CR/LF would start a new header)");
                    }

                    lineLength = 0;
                    continue;
                default:
                    if (++lineLength > MaxLineLength)
                    {
                        throw Refuse(name, string.Create(CultureInfo.InvariantCulture, $"a line of it is longer than {MaxLineLength} octets (RFC 5322 §2.1.1)"));
                    }

                    break;
            }
        }
    }

    private static ProtectionRefusedException Refuse(string name, string rule) =>
        new(ProtectionRefusal.InvalidHeader, null, $"The header {Printable(name)} is refused: {rule}.");

    private static string Printable(string name)
    {
        var shown = name.Length > MaxNameLength ? name[..MaxNameLength] + "…" : name;
        return shown.Any(c => c is < '!' or > '~')
            ? string.Concat(shown.Select(c => c is < '!' or > '~' ? string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}") : c.ToString()))
            : shown;
    }
}
