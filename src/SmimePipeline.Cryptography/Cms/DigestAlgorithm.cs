using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>A SHA-2 message digest as CMS and S/MIME name it (RFC 5754, RFC 8551 §3.5.3).</summary>
public sealed class DigestAlgorithm
{
    private DigestAlgorithm(string micAlg, HashAlgorithmName hashAlgorithmName, DerObjectIdentifier oid, int length)
    {
        MicAlg = micAlg;
        HashAlgorithmName = hashAlgorithmName;
        Oid = oid;
        Length = length;
    }

    /// <summary>SHA-256, the default for RSA and P-256 keys.</summary>
    public static DigestAlgorithm Sha256 { get; } = new("sha-256", HashAlgorithmName.SHA256, NistObjectIdentifiers.IdSha256, SHA256.HashSizeInBytes);

    /// <summary>SHA-384, used with P-384 keys.</summary>
    public static DigestAlgorithm Sha384 { get; } = new("sha-384", HashAlgorithmName.SHA384, NistObjectIdentifiers.IdSha384, SHA384.HashSizeInBytes);

    /// <summary>SHA-512, used with P-521 keys.</summary>
    public static DigestAlgorithm Sha512 { get; } = new("sha-512", HashAlgorithmName.SHA512, NistObjectIdentifiers.IdSha512, SHA512.HashSizeInBytes);

    /// <summary>The <c>micalg</c> parameter value of multipart/signed (RFC 8551 §3.5.3).</summary>
    public string MicAlg { get; }

    /// <summary>The .NET name of the hash.</summary>
    public HashAlgorithmName HashAlgorithmName { get; }

    /// <summary>The digest algorithm OID.</summary>
    public DerObjectIdentifier Oid { get; }

    /// <summary>Digest length in bytes.</summary>
    public int Length { get; }

    /// <summary>
    /// The AlgorithmIdentifier for <c>digestAlgorithms</c> and <c>SignerInfo.digestAlgorithm</c>;
    /// parameters absent, as RFC 5754 §2 says implementations should emit.
    /// </summary>
    public AlgorithmIdentifier Identifier => new(Oid);

    /// <summary>Hashes <paramref name="data"/> into <paramref name="destination"/> (exactly <see cref="Length"/> bytes).</summary>
    /// <param name="data">The bytes to hash.</param>
    /// <param name="destination">Where the digest goes.</param>
    public void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        int written = Length switch
        {
            SHA256.HashSizeInBytes => SHA256.HashData(data, destination),
            SHA384.HashSizeInBytes => SHA384.HashData(data, destination),
            _ => SHA512.HashData(data, destination),
        };
        if (written != Length)
        {
            throw new CryptographicException("The digest has an unexpected length.");
        }
    }

    /// <summary>Hashes <paramref name="data"/> into a new array.</summary>
    /// <param name="data">The bytes to hash.</param>
    /// <returns>The digest.</returns>
    public byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new byte[Length];
        Hash(data, digest);
        return digest;
    }
}
