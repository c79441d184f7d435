using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Reads and writes Ed25519 private keys (RFC 8410) as PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>, algorithm
/// 1.3.101.112) with BouncyCastle, since .NET has no Ed25519 and cannot attach such a key to an
/// <see cref="X509Certificate2"/>. Key bytes never appear in an error message.
/// </summary>
public static class Ed25519PrivateKeys
{
    /// <summary>Whether <paramref name="certificate"/> carries an Ed25519 public key (id-Ed25519, 1.3.101.112).</summary>
    /// <param name="certificate">The certificate.</param>
    /// <returns><see langword="true"/> for an Ed25519 certificate.</returns>
    public static bool IsEd25519(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.PublicKey.Oid.Value == EdECObjectIdentifiers.id_Ed25519.Id;
    }

    /// <summary>Reads the Ed25519 key in the PKCS#8 PEM <paramref name="pem"/> and checks it belongs to <paramref name="certificate"/>.</summary>
    /// <param name="pem">PEM text holding one unencrypted <c>PRIVATE KEY</c> block.</param>
    /// <param name="certificate">The Ed25519 certificate the key must match.</param>
    /// <param name="name">What to call the key (a file name) in an error.</param>
    /// <returns>The key.</returns>
    /// <exception cref="CryptographicException">
    /// No <c>PRIVATE KEY</c> block, a key that is not Ed25519 (encrypted PKCS#8 is not read), or a key that does not
    /// belong to the certificate; the message names <paramref name="name"/> and the certificate.
    /// </exception>
    public static Ed25519PrivateKeyParameters ReadPem(ReadOnlySpan<char> pem, X509Certificate2 certificate, string name)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(name);
        var remaining = pem;
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            if (remaining[fields.Label].SequenceEqual("PRIVATE KEY"))
            {
                byte[] der = new byte[fields.DecodedDataLength];
                try
                {
                    if (!Convert.TryFromBase64Chars(remaining[fields.Base64Data], der, out _))
                    {
                        throw new CryptographicException($"The key {name} is not valid base64.");
                    }

                    return Read(der, certificate, name);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(der);
                }
            }

            remaining = remaining[fields.Location.End..];
        }

        throw new CryptographicException($"The key {name} holds no unencrypted PKCS#8 PRIVATE KEY block.");
    }

    /// <summary>Reads the Ed25519 key in PKCS#8 DER <paramref name="pkcs8"/> and checks it belongs to <paramref name="certificate"/>.</summary>
    /// <param name="pkcs8">The PrivateKeyInfo DER.</param>
    /// <param name="certificate">The Ed25519 certificate the key must match.</param>
    /// <param name="name">What to call the key in an error.</param>
    /// <returns>The key.</returns>
    /// <exception cref="CryptographicException">Not a PKCS#8 Ed25519 key, or not the certificate's key.</exception>
    public static Ed25519PrivateKeyParameters Read(byte[] pkcs8, X509Certificate2 certificate, string name)
    {
        ArgumentNullException.ThrowIfNull(pkcs8);
        ArgumentNullException.ThrowIfNull(certificate);
        Org.BouncyCastle.Crypto.AsymmetricKeyParameter parsed;
        try
        {
            parsed = PrivateKeyFactory.CreateKey(pkcs8);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or InvalidCastException or SecurityUtilityException)
        {
            throw new CryptographicException($"The key {name} is not a readable PKCS#8 private key.", ex);
        }

        if (parsed is not Ed25519PrivateKeyParameters key)
        {
            throw new CryptographicException($"The key {name} is not an Ed25519 key, but certificate {certificate.Subject} ({certificate.Thumbprint}) is Ed25519.");
        }

        if (!IsEd25519(certificate) || !key.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual(certificate.PublicKey.EncodedKeyValue.RawData))
        {
            throw new CryptographicException($"The Ed25519 key {name} does not belong to certificate {certificate.Subject} ({certificate.Thumbprint}).");
        }

        return key;
    }

    /// <summary>Writes <paramref name="key"/> as PKCS#8 PEM (RFC 8410 §7). The caller zeroes the result.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The PEM characters.</returns>
    public static char[] WritePem(Ed25519PrivateKeyParameters key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] der = PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();
        try
        {
            return PemEncoding.Write("PRIVATE KEY", der);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }
}
