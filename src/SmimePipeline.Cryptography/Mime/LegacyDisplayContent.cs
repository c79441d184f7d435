using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using SmimePipeline.Cryptography.Buffers;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Lends the main body parts of a payload a content that begins with the <see cref="LegacyDisplay"/> element, for
/// one protect: the element and the part's decoded text are copied once into a buffer rented from the pool, which
/// <see cref="PreEncodedContent"/> then encodes like any composed part. Dispose puts the original content and
/// Content-Type parameters back (a retried protect of the same message object does not stack a second element)
/// and zeroes the buffers, which held plaintext.
/// </summary>
/// <remarks>
/// The main body parts (RFC 9788 §4.5.3): the text/plain or text/html body itself; in multipart/alternative every
/// alternative; in any other multipart (mixed, related) its first part. Attachments, parts already marked
/// <c>hp-legacy-display</c> and anything inside a multipart/signed (someone else's signed bytes) get nothing, and a
/// payload without such a text part gets no element at all. A part whose charset is neither US-ASCII nor UTF-8 is
/// re-encoded as UTF-8 (its MIME charset, which takes precedence over an HTML <c>meta</c>, says so); one whose charset
/// is unknown keeps its bytes and gets an ASCII-only element.
/// </remarks>
internal sealed class LegacyDisplayContent : IDisposable
{
    private readonly List<Lent> _lent = [];

    private LegacyDisplayContent()
    {
    }

    /// <summary>Inserts the element for <paramref name="fields"/> into the main body parts of <paramref name="body"/>.</summary>
    /// <param name="body">The cryptographic payload's root entity.</param>
    /// <param name="fields">The obscured fields (<see cref="LegacyDisplay.ObscuredFields"/>); empty inserts nothing.</param>
    /// <returns>The scope that restores the parts; dispose it after the payload is written.</returns>
    public static LegacyDisplayContent Insert(MimeEntity body, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(fields);
        var scope = new LegacyDisplayContent();
        if (fields.Count == 0)
        {
            return scope;
        }

        var parts = new List<TextPart>(2);
        FindMainParts(body, parts);
        try
        {
            foreach (var part in parts)
            {
                scope.Lend(part, fields);
            }
        }
        catch
        {
            scope.Dispose();
            throw;
        }

        return scope;
    }

    /// <summary>How many parts carry the element now.</summary>
    public int Count => _lent.Count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var lent in _lent)
        {
            lent.Part.Content = lent.Original;
            lent.Part.ContentType.Parameters.Remove(LegacyDisplay.Parameter);
            if (lent.OriginalCharset is null)
            {
                lent.Part.ContentType.Parameters.Remove("charset");
            }
            else
            {
                lent.Part.ContentType.Charset = lent.OriginalCharset;
            }

            CryptographicOperations.ZeroMemory(lent.Buffer.AsSpan(0, lent.Length));
            ArrayPool<byte>.Shared.Return(lent.Buffer);
        }

        _lent.Clear();
    }

    private static void FindMainParts(MimeEntity entity, List<TextPart> parts)
    {
        switch (entity)
        {
            case MultipartSigned or MultipartEncrypted:
            case Multipart signed when signed.ContentType.IsMimeType("multipart", "signed") || signed.ContentType.IsMimeType("multipart", "encrypted"):
                return;
            case Multipart alternative when alternative.ContentType.IsMimeType("multipart", "alternative"):
                foreach (var child in alternative)
                {
                    FindMainParts(child, parts);
                }

                return;
            case Multipart { Count: > 0 } multipart:
                FindMainParts(multipart[0], parts);
                return;
            case TextPart text when (text.IsPlain || text.IsHtml) && !text.IsAttachment && !text.ContentType.Parameters.Contains(LegacyDisplay.Parameter):
                parts.Add(text);
                return;
        }
    }

    private void Lend(TextPart part, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        string? originalCharset = part.ContentType.Charset;
        // A composed part lends its own buffer; a parsed one is decoded once into a pooled buffer (zeroed on dispose).
        PooledMemoryStream? decoded = null;
        try
        {
            ReadOnlySpan<byte> text = Decoded(part, ref decoded);
            Lend(part, fields, originalCharset, text);
        }
        finally
        {
            decoded?.Dispose();
        }
    }

    private void Lend(TextPart part, IReadOnlyList<KeyValuePair<string, string>> fields, string? originalCharset, ReadOnlySpan<byte> text)
    {
        Encoding? charset = CharsetOf(originalCharset, out bool known);
        byte[]? transcoded = null;
        if (charset is not null)
        {
            // Not US-ASCII nor UTF-8: the part becomes UTF-8, so that any Subject can be shown in it.
            transcoded = Encoding.UTF8.GetBytes(charset.GetString(text));
            text = transcoded;
        }

        string newLine = text.IndexOf("\r\n"u8) >= 0 || text.IndexOf((byte)'\n') < 0 ? "\r\n" : "\n";
        bool asciiOnly = !known;
        string element = part.IsHtml ? LegacyDisplay.FormatHtml(fields, newLine, asciiOnly) : LegacyDisplay.FormatText(fields, newLine);
        byte[] elementBytes = asciiOnly ? AsciiOrQuestionMark(element) : Encoding.UTF8.GetBytes(element);
        int insertAt = part.IsHtml ? BodyContentStart(text) : 0;

        int length = elementBytes.Length + text.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        text[..insertAt].CopyTo(buffer);
        elementBytes.CopyTo(buffer.AsSpan(insertAt));
        text[insertAt..].CopyTo(buffer.AsSpan(insertAt + elementBytes.Length));
        if (transcoded is not null)
        {
            CryptographicOperations.ZeroMemory(transcoded);
        }

        _lent.Add(new Lent(part, part.Content, originalCharset, buffer, length));
        part.Content = new MimeContent(new MemoryStream(buffer, 0, length, writable: false, publiclyVisible: true));
        if (known && (charset is not null || !Ascii.IsValid(elementBytes)))
        {
            part.ContentType.Charset = "utf-8";
        }

        // Written hp-legacy-display="1", as in RFC 9788's own examples (Appendix E).
        part.ContentType.Parameters.Add(new Parameter(LegacyDisplay.Parameter, "1") { AlwaysQuote = true });
    }

    /// <summary>The part's decoded bytes: a composed part's own buffer, else its content decoded into a new <paramref name="scratch"/>.</summary>
    private static ReadOnlySpan<byte> Decoded(TextPart part, ref PooledMemoryStream? scratch)
    {
        if (part.Content is null)
        {
            return [];
        }

        if (part.Content is { Encoding: ContentEncoding.Default, Stream: MemoryStream stream } && stream.TryGetBuffer(out var buffer))
        {
            return buffer.AsSpan();
        }

        scratch = new PooledMemoryStream(4 * 1024);
        part.Content.DecodeTo(scratch);
        return scratch.WrittenSpan;
    }

    /// <summary>
    /// <see langword="null"/> for a charset the element can be written in as UTF-8 without touching the part's bytes
    /// (none, US-ASCII, UTF-8) and for an unknown one (<paramref name="known"/> false); else the charset's encoding.
    /// </summary>
    private static Encoding? CharsetOf(string? name, out bool known)
    {
        known = true;
        if (name is null || name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase) || name.Equals("ascii", StringComparison.OrdinalIgnoreCase)
            || name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || name.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            // Legacy code pages (windows-1252, iso-8859-2, shift_jis, …) without registering the provider process-wide.
            return CodePagesEncodingProvider.Instance.GetEncoding(name) ?? Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            // Not a charset .NET knows: the part's bytes stay as they are and the element is written in ASCII.
            known = false;
            return null;
        }
    }

    private static byte[] AsciiOrQuestionMark(string element)
    {
        var bytes = new byte[element.Length];
        for (int i = 0; i < element.Length; i++)
        {
            bytes[i] = element[i] <= '~' ? (byte)element[i] : (byte)'?';
        }

        return bytes;
    }

    /// <summary>Just after the <c>&lt;body …&gt;</c> start tag (ASCII, any case); 0 when the markup has none.</summary>
    private static int BodyContentStart(ReadOnlySpan<byte> html)
    {
        int from = 0;
        while (from < html.Length)
        {
            int open = html[from..].IndexOf((byte)'<');
            if (open < 0)
            {
                return 0;
            }

            int tag = from + open;
            var name = html[(tag + 1)..];
            if (name.Length >= 5 && Ascii.EqualsIgnoreCase(name[..4], "body"u8) && name[4] is (byte)'>' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'/')
            {
                int close = name.IndexOf((byte)'>');
                return close < 0 ? 0 : tag + 1 + close + 1;
            }

            from = tag + 1;
        }

        return 0;
    }

    private sealed record Lent(TextPart Part, IMimeContent? Original, string? OriginalCharset, byte[] Buffer, int Length);
}
