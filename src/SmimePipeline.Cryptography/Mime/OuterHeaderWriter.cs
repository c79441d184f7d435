using MimeKit;
using SmimePipeline.Cryptography.Buffers;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Writes the outer (readable) headers of a protected message (RFC 8551 §3.1) straight from the message's own
/// <see cref="Header"/> objects into the output: each header's raw field name, a colon and its raw value, line ends made
/// CRLF, exactly the bytes <see cref="HeaderList.WriteTo(FormatOptions, Stream, CancellationToken)"/> writes with
/// <see cref="MimeCanonicalizer.CanonicalFormat"/>, without copying the headers into a second <see cref="HeaderList"/>
/// (a clone of every header, a list, an index and MimeKit's filtered stream, per mail) only to write them once.
/// Bcc and every <c>Content-*</c> header are left out (the top-level entity brings its own); an obscured Subject
/// replaces the real one in place; a missing Date, Message-ID or MIME-Version is added at the end.
/// </summary>
internal static class OuterHeaderWriter
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    /// <summary>Appends the outer headers of <paramref name="headers"/> to <paramref name="output"/>.</summary>
    /// <param name="headers">The message's headers (already checked by <see cref="HeaderRules.Check"/>).</param>
    /// <param name="outerSubject">The obscured Subject (header protection), or <see langword="null"/> to copy the real one.</param>
    /// <param name="now">The Date written when the message has none.</param>
    /// <param name="sender">The sender address, passed to <paramref name="newMessageId"/>.</param>
    /// <param name="newMessageId">Gives the Message-ID (without angle brackets) written when the message has none.</param>
    /// <param name="output">Where the header lines are appended; ends with the last header's CRLF, no blank line.</param>
    public static void Write(HeaderList headers, string? outerSubject, DateTimeOffset now, string sender, Func<string, string> newMessageId, PooledMemoryStream output)
    {
        int start = (int)output.Length;
        var crlf = new CrLfWriter(output);
        bool hasMimeVersion = false, hasDate = false, hasMessageId = false;
        foreach (var header in headers)
        {
            if (string.Equals(header.Field, "Bcc", StringComparison.OrdinalIgnoreCase) || header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (outerSubject is not null && header.Id == HeaderId.Subject)
            {
                // RFC 9788 §4.2: the real Subject travels inside; the outer one is obscured.
                crlf.Write(new Header(HeaderId.Subject, outerSubject));
                continue;
            }

            hasMimeVersion |= header.Id == HeaderId.MimeVersion;
            hasDate |= header.Id == HeaderId.Date;
            hasMessageId |= header.Id == HeaderId.MessageId;
            crlf.Write(header);
        }

        if (!hasDate)
        {
            crlf.Write(new Header(HeaderId.Date, MimeKit.Utils.DateUtils.FormatDate(now)));
        }

        if (!hasMessageId)
        {
            crlf.Write(new Header(HeaderId.MessageId, $"<{newMessageId(sender)}>"));
        }

        if (!hasMimeVersion)
        {
            crlf.Write(new Header(HeaderId.MimeVersion, "1.0"));
        }

        // HeaderList.WriteTo ends with a CRLF (the blank line before a body); the top-level entity brings its own
        // Content-* headers and blank line, so that CRLF is kept only when it ends an unterminated last header.
        if (!output.WrittenSpan[start..].EndsWith(CrLf))
        {
            output.Write(CrLf);
        }
    }

    /// <summary>MimeKit's Unix-to-DOS new-line filter over the header bytes: an LF not after a CR becomes CRLF.</summary>
    private struct CrLfWriter(PooledMemoryStream output)
    {
        private byte _last;

        public void Write(Header header)
        {
            Append(header.RawField);
            Append(":"u8);
            Append(header.RawValue);
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                int lf = bytes.IndexOf((byte)'\n');
                if (lf < 0)
                {
                    output.Write(bytes);
                    _last = bytes[^1];
                    return;
                }

                output.Write(bytes[..lf]);
                byte before = lf > 0 ? bytes[lf - 1] : _last;
                output.Write(before == (byte)'\r' ? "\n"u8 : "\r\n"u8);
                _last = (byte)'\n';
                bytes = bytes[(lf + 1)..];
            }
        }
    }
}
