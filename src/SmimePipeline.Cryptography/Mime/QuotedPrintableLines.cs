using System.Buffers;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Quoted-printable (RFC 2045 §6.7) with CRLF line ends, byte for byte what MimeKit's
/// <c>QuotedPrintableEncoder</c> followed by its LF-to-CRLF filter writes for the same input, so the
/// canonical form of a part does not depend on which of the two wrote it (<c>MimeCanonicalizerTests</c> and
/// <c>QuotedPrintableLinesTests</c> hold that). MimeKit's encoder looks at every byte through a table
/// and writes LF, which then takes a second pass to become CRLF: ≈15 µs of the ≈65 µs of own work on the
/// standard message. Here runs of printable characters and blanks, the bulk of any text, are found with a
/// vectorised search and copied whole, and CRLF is written at once. Its rules, as MimeKit applies them:
/// printable ASCII except <c>=</c> is copied; space and tab wait for the next byte and are encoded as
/// <c>=20</c>/<c>=09</c> when a line break follows; CR waits too and vanishes before LF, otherwise it is
/// <c>=0D</c>; every other byte is <c>=XX</c>; a line that has reached 75 characters gets a soft break
/// (<c>=</c> CRLF) before the next character is written; content that does not end with LF ends with a soft break.
/// </summary>
internal static class QuotedPrintableLines
{
    private const int SoftBreakAt = 75;

    private static readonly SearchValues<byte> Literal = SearchValues.Create(LiteralBytes());

    // Within a run a blank is written like any printable character; only the last blank before CR, LF or
    // the end of the content must wait, to be encoded.
    private static readonly SearchValues<byte> LiteralOrBlank = SearchValues.Create([.. LiteralBytes(), (byte)' ', (byte)'\t']);

    /// <summary>An upper bound of the encoded length of <paramref name="inputLength"/> bytes.</summary>
    public static int MaxEncodedLength(int inputLength) => checked((4 * inputLength) + 8);

    /// <summary>Encodes <paramref name="data"/> into <paramref name="destination"/>.</summary>
    /// <param name="data">The content, any line ends.</param>
    /// <param name="destination">At least <see cref="MaxEncodedLength"/> bytes.</param>
    /// <returns>The bytes written.</returns>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int written = 0, line = 0, pending = -1, read = 0;
        while (read < data.Length)
        {
            if (pending < 0)
            {
                // The common case: a run of words that are copied as they are, in pieces that fill lines.
                int run = data[read..].IndexOfAnyExcept(LiteralOrBlank);
                if (run < 0)
                {
                    run = data.Length - read;
                }

                int after = read + run;
                if (run > 0 && data[after - 1] is (byte)' ' or (byte)'\t' && (after == data.Length || data[after] is (byte)'\r' or (byte)'\n'))
                {
                    run--;
                }

                while (run > 0)
                {
                    if (line >= SoftBreakAt)
                    {
                        written = SoftBreak(destination, written);
                        line = 0;
                    }

                    int take = Math.Min(run, SoftBreakAt - line);
                    data.Slice(read, take).CopyTo(destination[written..]);
                    written += take;
                    line += take;
                    read += take;
                    run -= take;
                }

                if (read == data.Length)
                {
                    break;
                }
            }

            byte next = data[read++];
            switch (next)
            {
                case (byte)'\r':
                    if (pending >= 0)
                    {
                        written = Escape(destination, written, pending);
                        line += 3;
                    }

                    pending = next;
                    break;
                case (byte)'\n':
                    if (pending >= 0 && pending != '\r')
                    {
                        written = Escape(destination, written, pending);
                    }

                    destination[written++] = (byte)'\r';
                    destination[written++] = (byte)'\n';
                    line = 0;
                    pending = -1;
                    break;
                default:
                    if (pending is ' ' or '\t')
                    {
                        destination[written++] = (byte)pending;
                        line++;
                    }
                    else if (pending >= 0)
                    {
                        written = Escape(destination, written, pending);
                        line += 3;
                    }

                    if (line >= SoftBreakAt)
                    {
                        written = SoftBreak(destination, written);
                        line = 0;
                    }

                    if (next is (byte)' ' or (byte)'\t')
                    {
                        pending = next;
                    }
                    else if (Literal.Contains(next))
                    {
                        destination[written++] = next;
                        line++;
                        pending = -1;
                    }
                    else
                    {
                        written = Escape(destination, written, next);
                        line += 3;
                        pending = -1;
                    }

                    break;
            }
        }

        if (pending >= 0)
        {
            written = Escape(destination, written, pending);
        }

        if (!data.IsEmpty && data[^1] != '\n')
        {
            written = SoftBreak(destination, written);
        }

        return written;
    }

    private static int Escape(Span<byte> destination, int written, int value)
    {
        destination[written] = (byte)'=';
        destination[written + 1] = "0123456789ABCDEF"u8[value >> 4];
        destination[written + 2] = "0123456789ABCDEF"u8[value & 0xF];
        return written + 3;
    }

    private static int SoftBreak(Span<byte> destination, int written)
    {
        destination[written] = (byte)'=';
        destination[written + 1] = (byte)'\r';
        destination[written + 2] = (byte)'\n';
        return written + 3;
    }

    private static byte[] LiteralBytes()
    {
        // RFC 2045 §6.7 rule 2: printable ASCII, 33 to 126, except "=".
        var bytes = new List<byte>(93);
        for (int b = 33; b <= 126; b++)
        {
            if (b != '=')
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }
}
