using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X509;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// A content-encryption algorithm: AES-CBC for EnvelopedData (RFC 3565) or AES-GCM for AuthEnvelopedData
/// (RFC 5083/5084). All of them run in OpenSSL through .NET. 3DES, RC2 and DES are never offered.
/// </summary>
public sealed class ContentEncryptionAlgorithm
{
    private const int AesBlockSize = 16;

    /// <summary>RFC 5084 §3.2: the recommended 12-octet nonce.</summary>
    private const int GcmNonceSize = 12;

    /// <summary>RFC 5084 §3.2: we always use the full 16-octet ICV.</summary>
    public const int GcmTagSize = 16;

    private ContentEncryptionAlgorithm(string name, DerObjectIdentifier oid, int keySize, bool authenticated, ContentCipher cipher)
    {
        Name = name;
        Oid = oid;
        KeySize = keySize;
        IsAuthenticated = authenticated;
        IvSize = authenticated ? GcmNonceSize : AesBlockSize;
        Cipher = cipher;
    }

    /// <summary>AES-256 in CBC mode, OID 2.16.840.1.101.3.4.1.42: the interoperable default.</summary>
    public static ContentEncryptionAlgorithm Aes256Cbc { get; } = new("aes256-cbc", NistObjectIdentifiers.IdAes256Cbc, 32, false, ContentCipher.Aes256Cbc);

    /// <summary>AES-128 in CBC mode, OID 2.16.840.1.101.3.4.1.2.</summary>
    public static ContentEncryptionAlgorithm Aes128Cbc { get; } = new("aes128-cbc", NistObjectIdentifiers.IdAes128Cbc, 16, false, ContentCipher.Aes128Cbc);

    /// <summary>AES-256 in GCM mode, OID 2.16.840.1.101.3.4.1.46 (AuthEnvelopedData).</summary>
    public static ContentEncryptionAlgorithm Aes256Gcm { get; } = new("aes256-gcm", NistObjectIdentifiers.IdAes256Gcm, 32, true, ContentCipher.Aes256Gcm);

    /// <summary>AES-128 in GCM mode, OID 2.16.840.1.101.3.4.1.6 (AuthEnvelopedData).</summary>
    public static ContentEncryptionAlgorithm Aes128Gcm { get; } = new("aes128-gcm", NistObjectIdentifiers.IdAes128Gcm, 16, true, ContentCipher.Aes128Gcm);

    /// <summary>A readable name such as <c>aes256-cbc</c>; also the name used in allow-lists.</summary>
    public string Name { get; }

    /// <summary>The algorithm OID.</summary>
    public DerObjectIdentifier Oid { get; }

    /// <summary>Content-encryption key size in bytes.</summary>
    public int KeySize { get; }

    /// <summary>Size of the random IV (CBC) or nonce (GCM) in bytes.</summary>
    public int IvSize { get; }

    /// <summary><see langword="true"/> for GCM: the content goes into AuthEnvelopedData with a MAC.</summary>
    public bool IsAuthenticated { get; }

    /// <summary>The matching option value.</summary>
    public ContentCipher Cipher { get; }

    /// <summary>The algorithm for an explicit (not <see cref="ContentCipher.Auto"/>) option value.</summary>
    /// <param name="cipher">The option value.</param>
    /// <returns>The algorithm.</returns>
    public static ContentEncryptionAlgorithm From(ContentCipher cipher) => cipher switch
    {
        ContentCipher.Aes128Cbc => Aes128Cbc,
        ContentCipher.Aes256Cbc => Aes256Cbc,
        ContentCipher.Aes128Gcm => Aes128Gcm,
        ContentCipher.Aes256Gcm => Aes256Gcm,
        _ => throw new ArgumentOutOfRangeException(nameof(cipher), cipher, "Auto is resolved by the protector."),
    };

    /// <summary>
    /// The AlgorithmIdentifier: for CBC the IV as an OCTET STRING (RFC 3565 §4.1); for GCM the
    /// GCMParameters with the nonce and the ICV length (RFC 5084 §3.2).
    /// </summary>
    /// <param name="iv">The initialisation vector or nonce.</param>
    /// <returns>The identifier.</returns>
    public AlgorithmIdentifier CreateIdentifier(ReadOnlySpan<byte> iv) => IsAuthenticated
        ? new AlgorithmIdentifier(Oid, new GcmParameters(iv.ToArray(), GcmTagSize))
        : new AlgorithmIdentifier(Oid, new DerOctetString(iv.ToArray()));

    /// <summary>The ciphertext length for <paramref name="plaintextLength"/> bytes (PKCS#7 padding for CBC; none for GCM).</summary>
    /// <param name="plaintextLength">The content length.</param>
    /// <returns>The ciphertext length (without the GCM tag).</returns>
    public int GetCiphertextLength(int plaintextLength) => IsAuthenticated ? plaintextLength : (plaintextLength / AesBlockSize + 1) * AesBlockSize;

    /// <summary>Encrypts using OpenSSL, straight into <paramref name="destination"/>.</summary>
    /// <param name="plaintext">The content.</param>
    /// <param name="key">The content-encryption key (<see cref="KeySize"/> bytes).</param>
    /// <param name="iv">The IV or nonce (<see cref="IvSize"/> bytes).</param>
    /// <param name="destination">At least <see cref="GetCiphertextLength"/> bytes.</param>
    /// <param name="tag">For GCM, <see cref="GcmTagSize"/> bytes that receive the tag; empty for CBC.</param>
    /// <returns>The number of ciphertext bytes written.</returns>
    public int Encrypt(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, Span<byte> destination, Span<byte> tag = default)
    {
        if (key.Length != KeySize || iv.Length != IvSize)
        {
            throw new ArgumentException($"{Name} needs a {KeySize}-byte key and a {IvSize}-byte IV.", nameof(key));
        }

        if (IsAuthenticated)
        {
            if (tag.Length != GcmTagSize)
            {
                throw new ArgumentException($"{Name} needs a {GcmTagSize}-byte tag buffer.", nameof(tag));
            }

            // RFC 5083 §2.2: without authAttrs the additional authenticated data is empty.
            using var gcm = new AesGcm(key, GcmTagSize);
            gcm.Encrypt(iv, plaintext, destination[..plaintext.Length], tag);
            return plaintext.Length;
        }

        using var aes = Aes.Create();
        aes.SetKey(key);
        return aes.EncryptCbc(plaintext, iv, destination, PaddingMode.PKCS7);
    }
}
