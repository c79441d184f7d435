using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Two certificates are the same when their DER encodings are (what equal thumbprints say), compared without computing
/// a thumbprint string per certificate and mail. The hash reads the encoding's last bytes: the issuer's signature,
/// which differs between any two certificates.
/// </summary>
internal sealed class SameCertificateComparer : IEqualityComparer<X509Certificate2>
{
    private const int HashedTailBytes = 32;

    /// <summary>The one instance.</summary>
    public static SameCertificateComparer Instance { get; } = new();

    private SameCertificateComparer()
    {
    }

    /// <inheritdoc />
    public bool Equals(X509Certificate2? x, X509Certificate2? y) =>
        ReferenceEquals(x, y) || (x is not null && y is not null && x.RawDataMemory.Span.SequenceEqual(y.RawDataMemory.Span));

    /// <inheritdoc />
    public int GetHashCode(X509Certificate2 obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var der = obj.RawDataMemory.Span;
        var hash = default(HashCode);
        hash.AddBytes(der[Math.Max(0, der.Length - HashedTailBytes)..]);
        hash.Add(der.Length);
        return hash.ToHashCode();
    }
}
