using System.Text;
using MimeKit;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// The legacy display element of RFC 9788 §4.5.3: the header fields that the outer message obscures or omits,
/// shown at the top of the main body parts of the cryptographic payload, so that a client that does not implement
/// header protection (Outlook, neomutt, Thunderbird for S/MIME, Apple Mail) shows the real Subject above the text
/// instead of only the obscured outer one (<c>[...]</c>). A text/plain part begins with one line per field
/// (<c>Subject: …</c>, the decoded value) and a blank line; a text/html part begins, right after its
/// <c>&lt;body&gt;</c> tag, with a <c>div</c> of class <see cref="HtmlClass"/> holding one <c>pre</c> per field
/// (§4.5.3.3). Every part that carries one is marked <c>hp-legacy-display="1"</c> (§4.5.3.1) so that a client that
/// implements header protection hides it again. Only the fields the outer message obscures or omits are shown;
/// with nothing obscured (signed-only mail, an empty obscured Subject) there is no element.
/// </summary>
public static class LegacyDisplay
{
    /// <summary>The Content-Type parameter that marks a part carrying a legacy display element (RFC 9788 §4.5.3.1).</summary>
    public const string Parameter = "hp-legacy-display";

    /// <summary>The class of the HTML element that holds the legacy display (RFC 9788 §4.5.3.3).</summary>
    public const string HtmlClass = "header-protection-legacy-display";

    /// <summary>
    /// The user-facing header fields of <paramref name="message"/> whose outer value is obscured, as name and
    /// decoded, unfolded value, in message order. Today the product obscures only the Subject (RFC 9788 §4.2);
    /// From, To, Cc, Date and Reply-To travel unchanged outside and are not repeated.
    /// </summary>
    /// <param name="message">The message (its own headers are the real, inner values).</param>
    /// <param name="obscuredSubject">The outer Subject when it replaces the real one, else <see langword="null"/>.</param>
    /// <returns>The fields; empty when nothing is obscured.</returns>
    public static IReadOnlyList<KeyValuePair<string, string>> ObscuredFields(MimeMessage message, string? obscuredSubject)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (obscuredSubject is null)
        {
            return [];
        }

        var fields = new List<KeyValuePair<string, string>>(1);
        foreach (var header in message.Headers)
        {
            if (header.Id == HeaderId.Subject)
            {
                // Header.Value is the RFC 2047-decoded value; folds and stray controls become single spaces.
                fields.Add(new KeyValuePair<string, string>("Subject", Displayable(header.Value)));
            }
        }

        return fields;
    }

    /// <summary>The text/plain form: <c>Name: value</c> per field, then an empty line (RFC 9788 §4.5.3.2).</summary>
    /// <param name="fields">The fields (see <see cref="ObscuredFields"/>); empty gives an empty string.</param>
    /// <param name="newLine">The line end of the part the element goes into.</param>
    /// <returns>The element's text.</returns>
    public static string FormatText(IReadOnlyList<KeyValuePair<string, string>> fields, string newLine = "\r\n")
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var (name, value) in fields)
        {
            text.Append(name).Append(": ").Append(Displayable(value)).Append(newLine);
        }

        return text.Append(newLine).ToString();
    }

    /// <summary>
    /// The text/html form: <c>&lt;div class="header-protection-legacy-display"&gt;</c> with one <c>&lt;pre&gt;</c> per
    /// field (RFC 9788 §4.5.3.3); <c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c> and <c>"</c> in values are escaped.
    /// </summary>
    /// <param name="fields">The fields; empty gives an empty string.</param>
    /// <param name="newLine">The line end of the part the element goes into.</param>
    /// <param name="asciiOnly">Write characters outside ASCII as numeric character references (for a part whose charset is unknown).</param>
    /// <returns>The element's markup.</returns>
    public static string FormatHtml(IReadOnlyList<KeyValuePair<string, string>> fields, string newLine = "\r\n", bool asciiOnly = false)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.Count == 0)
        {
            return "";
        }

        var html = new StringBuilder().Append("<div class=\"").Append(HtmlClass).Append("\">").Append(newLine);
        foreach (var (name, value) in fields)
        {
            html.Append("<pre>");
            AppendEscaped(html, name, asciiOnly);
            html.Append(": ");
            AppendEscaped(html, Displayable(value), asciiOnly);
            html.Append("</pre>").Append(newLine);
        }

        return html.Append("</div>").Append(newLine).ToString();
    }

    /// <summary>One line: CR, LF, tabs and other control characters become a space, runs of spaces one, ends trimmed.</summary>
    private static string Displayable(string value)
    {
        var line = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            bool blank = char.IsControl(c) || c == ' ';
            if (blank)
            {
                if (line.Length > 0 && line[^1] != ' ')
                {
                    line.Append(' ');
                }
            }
            else
            {
                line.Append(c);
            }
        }

        return line.ToString().TrimEnd(' ');
    }

    private static void AppendEscaped(StringBuilder html, string value, bool asciiOnly)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            switch (c)
            {
                case '&': html.Append("&amp;"); break;
                case '<': html.Append("&lt;"); break;
                case '>': html.Append("&gt;"); break;
                case '"': html.Append("&quot;"); break;
                default:
                    if (asciiOnly && c > '~')
                    {
                        int codePoint = char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])
                            ? char.ConvertToUtf32(c, value[++i])
                            : c;
                        html.Append("&#").Append(codePoint.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(';');
                    }
                    else
                    {
                        html.Append(c);
                    }

                    break;
            }
        }
    }
}
