using System.Text;
using MimeKit.Encodings;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>
/// <see cref="QuotedPrintableLines"/> must write exactly what MimeKit's quoted-printable encoder and its
/// LF-to-CRLF conversion write, for any input: the canonical bytes of a part are signed, and
/// <c>MimeCanonicalizerTests</c> compares whole entities with MimeKit's own output.
/// </summary>
public sealed class QuotedPrintableLinesTests
{
    public static TheoryData<string> Texts => new()
    {
        "",
        "\n",
        " ",
        "=",
        "plain ascii",
        "ends with a space \nand a tab\t\r\nand CRLF\r\n",
        "a\rlone\r\rcarriage returns\r",
        "From the start, then From again\nFrom ",
        new string('x', 74) + "é" + new string('y', 200),
        new string('x', 75) + " \n" + new string('x', 76) + " y",
        "Grüße aus Zürich – 10 € für das Café\r\n<p style=\"color:#333\">naïve</p>",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Writes_what_mimekit_writes(string text) =>
        AssertSameAsMimeKit(Encoding.UTF8.GetBytes(text));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Writes_what_mimekit_writes_for_random_content(int seed)
    {
        // Raw bytes, text made of the characters with rules of their own, and long lines with a few of them:
        // every line-length boundary, pending blank and CR case is met many times over.
        var random = new Random(seed);
        byte[] specials = Encoding.Latin1.GetBytes("ab  \t\t\r\n\r\n=.é\u00ff\u0001~");
        for (int i = 0; i < 2_000; i++)
        {
            var data = new byte[random.Next(0, i % 10 == 0 ? 2_000 : 300)];
            for (int j = 0; j < data.Length; j++)
            {
                data[j] = (i % 3) switch
                {
                    0 => (byte)random.Next(256),
                    1 => specials[random.Next(specials.Length)],
                    _ => random.Next(25) == 0 ? specials[random.Next(specials.Length)] : (byte)'x',
                };
            }

            AssertSameAsMimeKit(data);
        }
    }

    private static void AssertSameAsMimeKit(byte[] data)
    {
        var encoder = new QuotedPrintableEncoder();
        var lf = new byte[encoder.EstimateOutputLength(data.Length)];
        int length = encoder.Flush(data, 0, data.Length, lf);
        string expected = Encoding.Latin1.GetString(lf, 0, length).Replace("\n", "\r\n", StringComparison.Ordinal);

        var ours = new byte[QuotedPrintableLines.MaxEncodedLength(data.Length)];
        int written = QuotedPrintableLines.Encode(data, ours);

        Assert.Equal(expected, Encoding.Latin1.GetString(ours, 0, written));
    }
}
