using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// A content-encryption algorithm for EnvelopedData. Only AES-CBC exists today (RFC 3565); the type is
/// the seam where AES-GCM (AuthEnvelopedData, RFC 5083/5084) will be added. 3DES, RC2 and DES are never offered.
/// </summary>
public sealed class ContentEncryptionAlgorithm
{
    private const int AesBlockSize = 16;

    private ContentEncryptionAlgorithm(string name, DerObjectIdentifier oid, int keySize)
    {
        Name = name;
        Oid = oid;
        KeySize = keySize;
    }

    /// <summary>AES-256 in CBC mode, OID 2.16.840.1.101.3.4.1.42: the interoperable default.</summary>
    public static ContentEncryptionAlgorithm Aes256Cbc { get; } = new("aes256-cbc", NistObjectIdentifiers.IdAes256Cbc, 32);

    /// <summary>AES-128 in CBC mode, OID 2.16.840.1.101.3.4.1.2.</summary>
    public static ContentEncryptionAlgorithm Aes128Cbc { get; } = new("aes128-cbc", NistObjectIdentifiers.IdAes128Cbc, 16);

    /// <summary>A readable name such as <c>aes256-cbc</c>.</summary>
    public string Name { get; }

    /// <summary>The algorithm OID.</summary>
    public DerObjectIdentifier Oid { get; }

    /// <summary>Content-encryption key size in bytes.</summary>
    public int KeySize { get; }

    /// <summary>Size of the random IV in bytes.</summary>
    public int IvSize { get; } = AesBlockSize;

    /// <summary>The AlgorithmIdentifier: parameters are the IV as an OCTET STRING (RFC 3565 §4.1).</summary>
    /// <param name="iv">The initialisation vector.</param>
    /// <returns>The identifier.</returns>
    public AlgorithmIdentifier CreateIdentifier(ReadOnlySpan<byte> iv) => new(Oid, new DerOctetString(iv.ToArray()));

    /// <summary>The ciphertext length for <paramref name="plaintextLength"/> bytes (PKCS#7 padding).</summary>
    /// <param name="plaintextLength">The content length.</param>
    /// <returns>The ciphertext length.</returns>
    public int GetCiphertextLength(int plaintextLength) => (plaintextLength / IvSize + 1) * IvSize;

    /// <summary>Encrypts with PKCS#7 padding using OpenSSL, straight into <paramref name="destination"/>.</summary>
    /// <param name="plaintext">The content.</param>
    /// <param name="key">The content-encryption key (<see cref="KeySize"/> bytes).</param>
    /// <param name="iv">The IV (<see cref="IvSize"/> bytes).</param>
    /// <param name="destination">At least <see cref="GetCiphertextLength"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    public int Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        if (key.Length != KeySize || iv.Length != IvSize)
        {
            throw new ArgumentException($"{Name} needs a {KeySize}-byte key and a {IvSize}-byte IV.", nameof(key));
        }

        using var aes = Aes.Create();
        aes.SetKey(key);
        return aes.EncryptCbc(plaintext, iv, destination, PaddingMode.PKCS7);
    }
}
