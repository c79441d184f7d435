namespace SmimePipeline.Cryptography.Cms;

/// <summary>DER tag-and-length headers (X.690 §8.1, §10.1: definite, minimal lengths), for the few
/// structures written around a large payload without copying it.</summary>
internal static class DerHeader
{
    public const byte Sequence = 0x30;
    public const byte ContextExplicit0 = 0xA0;
    public const byte ContextPrimitive0 = 0x80;
    public const byte OctetString = 0x04;
    public const byte Set = 0x31;
    public const byte UtcTime = 0x17;

    /// <summary>Size of a header plus its content.</summary>
    public static int Total(int contentLength) => 1 + LengthOfLength(contentLength) + contentLength;

    /// <summary>Writes tag and length; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, byte tag, int contentLength)
    {
        destination[0] = tag;
        int lengthOfLength = LengthOfLength(contentLength);
        if (lengthOfLength == 1)
        {
            destination[1] = (byte)contentLength;
            return 2;
        }

        int octets = lengthOfLength - 1;
        destination[1] = (byte)(0x80 | octets);
        for (int i = 0; i < octets; i++)
        {
            destination[1 + octets - i] = (byte)(contentLength >> (8 * i));
        }

        return 1 + lengthOfLength;
    }

    private static int LengthOfLength(int length) => length switch
    {
        < 0x80 => 1,
        <= 0xFF => 2,
        <= 0xFFFF => 3,
        <= 0xFFFFFF => 4,
        _ => 5,
    };
}
