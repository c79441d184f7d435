using System.Text;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// <see cref="Base64Lines"/> moves an unbroken encoding into lines inside the caller's buffer; it must write
/// exactly what .NET's own line-broken base64 writes (76 characters, CRLF), plus the CRLF after the last line.
/// </summary>
public sealed class Base64LinesTests
{
    public static TheoryData<int> Lengths()
    {
        var lengths = new TheoryData<int>();
        // Every remainder around the first lines, then sizes of real parts: a signature, the standard
        // message's EnvelopedData, and one that is not a whole number of lines.
        for (int length = 0; length <= 4 * Base64Lines.BytesPerLine + 3; length++)
        {
            lengths.Add(length);
        }

        lengths.Add(3_712);
        lengths.Add(58_353);
        lengths.Add(1_048_576 + 5);
        return lengths;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Writes_what_dotnet_writes_with_line_breaks_and_a_final_crlf(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        // The buffer starts dirty and exactly as large as EncodedLength says: the protector writes into an
        // array of exactly that size, so the unbroken encoding must fit where the method puts it.
        var destination = new byte[Base64Lines.EncodedLength(length)];
        Array.Fill(destination, (byte)'#');

        int written = Base64Lines.Encode(data, destination);

        string expected = length == 0 ? "" : Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks) + "\r\n";
        Assert.Equal(destination.Length, written);
        Assert.Equal(expected, Encoding.ASCII.GetString(destination));
    }
}
