namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// The order of the elements of a DER SET OF (X.690 §11.6): their encodings compared as octet strings, the shorter
/// one padded at its end with zero octets. BouncyCastle's <c>DerSet</c> sorts the same way; this sorts encodings
/// that are already bytes.
/// </summary>
internal sealed class DerSetOrder : IComparer<byte[]>
{
    public static DerSetOrder Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(byte[]? x, byte[]? y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int common = Math.Min(x.Length, y.Length);
        int order = x.AsSpan(0, common).SequenceCompareTo(y.AsSpan(0, common));
        if (order != 0)
        {
            return order;
        }

        // Equal up to the shorter one's end: the longer sorts after it unless all its remaining octets are zero.
        return x.Length == y.Length ? 0
            : x.Length > y.Length ? (x.AsSpan(common).ContainsAnyExcept((byte)0) ? 1 : 0)
            : (y.AsSpan(common).ContainsAnyExcept((byte)0) ? -1 : 0);
    }
}
