using System.Text;

namespace SmimePipeline.Testing;

/// <summary>
/// One message as Postfix's <c>smtp-sink -d</c> dumped it, split into the envelope and the
/// RFC 5322 message exactly as the client sent it.
/// </summary>
/// <param name="FileName">Name of the dump file.</param>
/// <param name="EnvelopeFrom">The MAIL FROM address, without angle brackets and parameters.</param>
/// <param name="EnvelopeTo">The RCPT TO addresses in the order the client sent them.</param>
/// <param name="Content">
/// The message (headers and body) as transmitted in DATA, dot-unstuffed, with CRLF line ends.
/// </param>
public sealed record SmtpSinkMessage(string FileName, string EnvelopeFrom, IReadOnlyList<string> EnvelopeTo, byte[] Content)
{
    /// <summary>
    /// Parses an smtp-sink dump. The dump format (see <c>man smtp-sink</c>, "DUMP FILE FORMAT") is:
    /// <c>X-Client-Addr</c>, <c>X-Client-Proto</c>, optional <c>X-Helo-Args</c>, <c>X-Mail-Args</c>,
    /// one <c>X-Rcpt-Args</c> per RCPT, a three-line <c>Received:</c> header, the message with each
    /// line ended by LF instead of CRLF, and one extra empty line. SMTP requires every message line
    /// to end with CRLF, so turning each LF back into CRLF restores the transmitted bytes.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not an smtp-sink dump.</exception>
    public static SmtpSinkMessage Parse(string fileName, ReadOnlySpan<byte> dump)
    {
        var position = 0;
        string? mailFrom = null;
        var rcptTo = new List<string>();
        var sawReceived = false;
        while (position < dump.Length)
        {
            var end = dump[position..].IndexOf((byte)'\n');
            if (end < 0)
            {
                throw new FormatException($"{fileName}: the smtp-sink header ends without a line break.");
            }

            var line = Encoding.ASCII.GetString(dump.Slice(position, end));
            if (sawReceived && !line.StartsWith('\t'))
            {
                break;
            }

            position += end + 1;
            if (line.StartsWith("X-Mail-Args: ", StringComparison.Ordinal))
            {
                mailFrom = AddressOf(line["X-Mail-Args: ".Length..]);
            }
            else if (line.StartsWith("X-Rcpt-Args: ", StringComparison.Ordinal))
            {
                rcptTo.Add(AddressOf(line["X-Rcpt-Args: ".Length..]));
            }
            else if (line.StartsWith("Received: ", StringComparison.Ordinal))
            {
                sawReceived = true;
            }
            else if (!line.StartsWith("X-", StringComparison.Ordinal) && !line.StartsWith('\t'))
            {
                throw new FormatException($"{fileName}: unexpected line in the smtp-sink header: {line}");
            }
        }

        if (mailFrom is null || !sawReceived)
        {
            throw new FormatException($"{fileName}: not an smtp-sink dump (no X-Mail-Args or Received line).");
        }

        var message = dump[position..];
        if (!message.EndsWith("\n\n"u8))
        {
            throw new FormatException($"{fileName}: the dump is incomplete (it does not end with the extra empty line).");
        }

        message = message[..^1];
        var lineCount = message.Count((byte)'\n');
        var content = new byte[message.Length + lineCount];
        var written = 0;
        foreach (var b in message)
        {
            if (b == '\n')
            {
                content[written++] = (byte)'\r';
            }

            content[written++] = b;
        }

        return new SmtpSinkMessage(fileName, mailFrom, rcptTo, content);
    }

    // "<a@example.com> SIZE=123 BODY=8BITMIME" -> "a@example.com"
    private static string AddressOf(string arguments)
    {
        var start = arguments.IndexOf('<', StringComparison.Ordinal);
        var end = arguments.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? arguments[(start + 1)..end] : arguments.Split(' ')[0];
    }
}
