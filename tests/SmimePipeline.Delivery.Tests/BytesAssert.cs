namespace SmimePipeline.Delivery.Tests;

/// <summary>
/// Compares message bytes without printing them: a failure reports lengths and the first differing
/// offset, never message content (which would otherwise land in CI logs).
/// </summary>
internal static class BytesAssert
{
    public static void Identical(ReadOnlyMemory<byte> expected, ReadOnlySpan<byte> actual)
    {
        if (expected.Span.SequenceEqual(actual))
        {
            return;
        }

        var common = expected.Span.CommonPrefixLength(actual);
        Assert.Fail($"The bytes differ: expected {expected.Length} bytes, got {actual.Length}; first difference at offset {common}.");
    }
}
