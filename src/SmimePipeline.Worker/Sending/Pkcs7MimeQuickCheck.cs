using System.Buffers;
using MimeKit;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The sender guard's fast path for the shape the signer emits by default: a top-level
/// <c>application/pkcs7-mime</c> entity in base64. It reads the header block with MimeKit's header parser and
/// decodes only the first 24 bytes of the body, instead of parsing the whole message (≈ 1.6 % of the pipeline
/// process's CPU in a profile of <c>smime bench pipeline</c>). It only ever says "this is that shape"; whenever
/// anything is unusual (another type, another encoding, a header block that is not strictly RFC 5322, duplicate
/// Content-Type or Content-Transfer-Encoding headers, an 8-bit or control byte in the headers, a body that does
/// not start with plain base64) it answers <see langword="null"/> and <see cref="ProtectedMailGuard"/> parses the
/// whole message as before, so every refusal and its text are unchanged.
/// </summary>
internal static class Pkcs7MimeQuickCheck
{
    /// <summary>Header blocks larger than this are left to the full parse.</summary>
    private const int MaxHeaderBlock = 64 * 1024;

    /// <summary>32 base64 characters: the 24 bytes the ContentInfo check reads.</summary>
    private const int HeadChars = 32;

    private static readonly SearchValues<byte> Base64Alphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    /// <summary>
    /// The pkcs7-mime entity's <c>smime-type</c> (lower case) and the first 24 decoded bytes of its body, when
    /// <paramref name="content"/> is a strictly formed top-level base64 pkcs7-mime entity; otherwise
    /// <see langword="false"/> (which says nothing about the mail: the caller then parses it fully).
    /// </summary>
    public static bool TryRead(byte[] content, out string smimeType, Span<byte> head)
    {
        ArgumentNullException.ThrowIfNull(content);
        smimeType = "";
        var searched = content.AsSpan(0, Math.Min(content.Length, MaxHeaderBlock));
        var blank = searched.IndexOf("\r\n\r\n"u8);
        if (blank <= 0 || !IsStrictHeaderBlock(searched[..(blank + 2)]))
        {
            return false;
        }

        HeaderList headers;
        using (var stream = new MemoryStream(content, 0, blank + 4, writable: false))
        {
            try
            {
                headers = HeaderList.Load(ParserOptions.Default, stream);
            }
            catch (FormatException)
            {
                // Not expected after the strict check; the full parse then finds and names the problem.
                return false;
            }
        }

        if (Single(headers, HeaderId.ContentType) is not { } typeHeader
            || Single(headers, HeaderId.ContentTransferEncoding) is not { } encodingHeader
            || !encodingHeader.Value.Trim().Equals("base64", StringComparison.OrdinalIgnoreCase)
            || !ContentType.TryParse(ParserOptions.Default, typeHeader.RawValue, out var type)
            || !(type.IsMimeType("application", "pkcs7-mime") || type.IsMimeType("application", "x-pkcs7-mime"))
            || type.Parameters["smime-type"] is not { } declaredType)
        {
            return false;
        }

        Span<byte> chars = stackalloc byte[HeadChars];
        var taken = 0;
        foreach (var b in content.AsSpan(blank + 4))
        {
            if (b is (byte)'\r' or (byte)'\n')
            {
                continue;
            }

            if (!Base64Alphabet.Contains(b))
            {
                // Padding, whitespace or anything else within the first 32 characters: the full parse decides.
                return false;
            }

            chars[taken++] = b;
            if (taken == HeadChars)
            {
                break;
            }
        }

        if (taken < HeadChars || System.Buffers.Text.Base64.DecodeFromUtf8(chars, head, out _, out var written) != OperationStatus.Done || written != 24)
        {
            return false;
        }

        smimeType = declaredType.Trim().ToLowerInvariant();
        return true;
    }

    private static Header? Single(HeaderList headers, HeaderId id)
    {
        Header? found = null;
        foreach (var header in headers)
        {
            if (header.Id == id)
            {
                if (found is not null)
                {
                    return null;
                }

                found = header;
            }
        }

        return found;
    }

    /// <summary>
    /// Every line ends in CRLF and is either a field (a name of printable ASCII other than ':' then ':') or a
    /// folded continuation (starting with a blank) of one; only printable ASCII and tabs: the shape every MIME parser
    /// reads the same way, so MimeKit's header parser and this block's end agree on where the body starts.
    /// </summary>
    private static bool IsStrictHeaderBlock(ReadOnlySpan<byte> block)
    {
        var first = true;
        while (!block.IsEmpty)
        {
            var end = block.IndexOf("\r\n"u8);
            if (end < 0)
            {
                return false;
            }

            var line = block[..end];
            block = block[(end + 2)..];
            foreach (var b in line)
            {
                if (b is < 0x20 and not (byte)'\t' or >= 0x7F)
                {
                    return false;
                }
            }

            if (line.IsEmpty)
            {
                return false;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                if (first)
                {
                    return false;
                }
            }
            else
            {
                var colon = line.IndexOf((byte)':');
                if (colon <= 0 || line[..colon].IndexOfAny((byte)' ', (byte)'\t') >= 0)
                {
                    return false;
                }
            }

            first = false;
        }

        return true;
    }
}
