using System.Buffers;
using System.Security.Cryptography;
using MimeKit;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Encodes the in-memory content of leaf parts (quoted-printable with <see cref="QuotedPrintableLines"/>, base64 with
/// <see cref="Base64Lines"/>) into buffers rented from the pool, and lends them to the parts as
/// already-encoded content, so that MimeKit's <c>WriteTo</c> copies them instead of running its filter
/// streams. MimeKit allocates new filter buffers for every part it writes (16–24 KB for a 3 KB text);
/// this keeps the canonical stage within pooled memory. The bytes written are the same as MimeKit's own.
/// Dispose puts the original content back and zeroes the buffers (they held plaintext) before returning them.
/// </summary>
internal sealed class PreEncodedContent : IDisposable
{
    private readonly List<(MimePart Part, IMimeContent Original, byte[] Buffer, int Length)> _lent = [];

    private PreEncodedContent()
    {
    }

    /// <summary>
    /// Lends pre-encoded content to every leaf of <paramref name="entity"/> whose content is unencoded,
    /// in a memory stream that exposes its buffer, and whose transfer encoding is quoted-printable or base64.
    /// Other parts (parsed mail, streams from elsewhere) are left to MimeKit.
    /// </summary>
    public static PreEncodedContent Lend(MimeEntity entity)
    {
        var lent = new PreEncodedContent();
        try
        {
            lent.Visit(entity);
        }
        catch
        {
            lent.Dispose();
            throw;
        }

        return lent;
    }

    /// <summary>
    /// Writes <paramref name="entity"/> as MimeKit would, without MimeKit's per-part stream and filter buffers,
    /// when every leaf holds lent content and no multipart has a preamble or epilogue; otherwise writes nothing.
    /// </summary>
    /// <returns>Whether the entity was written.</returns>
    public bool TryWrite(MimeEntity entity, FormatOptions format, Stream destination)
    {
        if (!CanWrite(entity))
        {
            return false;
        }

        Write(entity, format, destination);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (part, original, buffer, length) in _lent)
        {
            part.Content = original;
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _lent.Clear();
    }

    private bool CanWrite(MimeEntity entity) => entity switch
    {
        Multipart multipart => multipart.Boundary is { Length: > 0 and <= 70 } && multipart.Preamble is null && multipart.Epilogue is null && multipart.Count > 0 && multipart.All(CanWrite),
        MimePart part => _lent.Exists(l => ReferenceEquals(l.Part, part)),
        _ => false,
    };

    private void Write(MimeEntity entity, FormatOptions format, Stream destination)
    {
        // HeaderList.WriteTo ends with the blank line between the headers and the body.
        entity.Headers.WriteTo(format, destination);
        if (entity is MimePart part)
        {
            var (_, _, buffer, length) = _lent.Find(l => ReferenceEquals(l.Part, part));
            destination.Write(buffer, 0, length);
            return;
        }

        // RFC 2046 §5.1.1: each part follows "--boundary", the CRLF before a delimiter belongs to it.
        var multipart = (Multipart)entity;
        string boundaryText = multipart.Boundary!;
        Span<byte> delimiter = stackalloc byte[boundaryText.Length + 2];
        int boundary = System.Text.Encoding.ASCII.GetBytes(boundaryText, delimiter[2..]);
        delimiter[0] = delimiter[1] = (byte)'-';
        foreach (var child in multipart)
        {
            destination.Write(delimiter[..(boundary + 2)]);
            destination.Write("\r\n"u8);
            Write(child, format, destination);
            destination.Write("\r\n"u8);
        }

        destination.Write(delimiter[..(boundary + 2)]);
        destination.Write("--\r\n"u8);
    }

    private void Visit(MimeEntity entity)
    {
        switch (entity)
        {
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    Visit(child);
                }

                break;
            case MimePart part when part.Content is { Encoding: ContentEncoding.Default, Stream: MemoryStream stream }
                && stream.TryGetBuffer(out var raw)
                && part.ContentTransferEncoding is ContentEncoding.QuotedPrintable or ContentEncoding.Base64:
                var (buffer, length) = part.ContentTransferEncoding == ContentEncoding.Base64
                    ? EncodeBase64(raw)
                    : EncodeQuotedPrintable(raw);
                _lent.Add((part, part.Content, buffer, length));
                part.Content = new MimeContent(new MemoryStream(buffer, 0, length, writable: false), part.ContentTransferEncoding);
                break;
        }
    }

    /// <summary>Base64 in lines of 76 characters, each ended by CRLF (what MimeKit's encoder writes).</summary>
    private static (byte[] Buffer, int Length) EncodeBase64(ReadOnlySpan<byte> data)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, Base64Lines.EncodedLength(data.Length)));
        return (buffer, Base64Lines.Encode(data, buffer));
    }

    /// <summary>Quoted-printable with CRLF line ends, as MimeKit writes it (<see cref="QuotedPrintableLines"/>).</summary>
    private static (byte[] Buffer, int Length) EncodeQuotedPrintable(ReadOnlySpan<byte> data)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(QuotedPrintableLines.MaxEncodedLength(data.Length));
        return (buffer, QuotedPrintableLines.Encode(data, buffer));
    }
}
