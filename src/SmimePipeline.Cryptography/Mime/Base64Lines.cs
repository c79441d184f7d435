using System.Buffers.Text;

namespace SmimePipeline.Cryptography.Mime;

/// <summary>
/// Base64 as MIME carries it (RFC 2045 §6.8): lines of 76 characters (57 input bytes), each ended by CRLF,
/// written with the vectorised <see cref="Base64"/> straight into the caller's buffer.
/// </summary>
internal static class Base64Lines
{
    /// <summary>Input bytes per full line: 57 bytes give 76 characters.</summary>
    public const int BytesPerLine = 57;

    /// <summary>Characters per full line including its CRLF.</summary>
    public const int CharactersPerLine = 78;

    /// <summary>The encoded length of <paramref name="inputLength"/> bytes, CRLFs included.</summary>
    public static int EncodedLength(int inputLength) => (inputLength + BytesPerLine - 1) / BytesPerLine * CharactersPerLine;

    /// <summary>Encodes <paramref name="data"/> into <paramref name="destination"/>.</summary>
    /// <param name="data">The bytes to encode.</param>
    /// <param name="destination">At least <see cref="EncodedLength"/> bytes.</param>
    /// <returns>The bytes written.</returns>
    public static int Encode(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int written = 0;
        while (!data.IsEmpty)
        {
            int take = Math.Min(BytesPerLine, data.Length);
            Base64.EncodeToUtf8(data[..take], destination[written..], out _, out int encoded);
            written += encoded;
            destination[written++] = (byte)'\r';
            destination[written++] = (byte)'\n';
            data = data[take..];
        }

        return written;
    }
}
