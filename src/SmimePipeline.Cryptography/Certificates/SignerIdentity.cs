using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// A signing key with its certificate and chain, loaded once per process into an OpenSSL-backed key
/// object, or held elsewhere (a PKCS#11 token) behind an <see cref="RSA"/>/<see cref="ECDsa"/> object whose
/// private operations run there (<see cref="PrivateKey"/>), or an Ed25519 key (<see cref="Ed25519PrivateKey"/>). Only the signer role ever creates one.
/// </summary>
public sealed class SignerIdentity : IDisposable
{
    /// <summary>Creates an identity from a certificate that carries its private key.</summary>
    /// <param name="address">The address the identity signs for.</param>
    /// <param name="certificate">The end-entity certificate with its private key.</param>
    /// <param name="chain">Intermediate certificates to include in signatures (not the root).</param>
    /// <param name="location">Where the key came from (default a file in the store).</param>
    /// <exception cref="ArgumentException">The certificate has no private key.</exception>
    public SignerIdentity(string address, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, SignerKeyLocation location = SignerKeyLocation.File)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) has no private key.", nameof(certificate));
        }

        Address = address;
        Certificate = certificate;
        Chain = chain;
        KeyLocation = location;
    }

    /// <summary>
    /// Creates an identity whose private key is not in the certificate object: an <see cref="RSA"/> or
    /// <see cref="ECDsa"/> whose private operations run elsewhere (a PKCS#11 token). The identity owns the key object.
    /// </summary>
    /// <param name="address">The address the identity signs for.</param>
    /// <param name="certificate">The end-entity certificate (public only).</param>
    /// <param name="chain">Intermediate certificates to include in signatures (not the root).</param>
    /// <param name="privateKey">The key, matching the certificate's public key (the caller checked).</param>
    /// <param name="location">Where the key lives.</param>
    /// <exception cref="ArgumentException">The key is neither RSA nor ECDSA.</exception>
    public SignerIdentity(string address, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, AsymmetricAlgorithm privateKey, SignerKeyLocation location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(privateKey);
        if (privateKey is not (RSA or ECDsa))
        {
            throw new ArgumentException($"The key of certificate {certificate.Subject} ({certificate.Thumbprint}) is neither RSA nor ECDSA.", nameof(privateKey));
        }

        Address = address;
        Certificate = certificate;
        Chain = chain;
        PrivateKey = privateKey;
        KeyLocation = location;
    }

    /// <summary>
    /// Creates an Ed25519 identity (RFC 8419). .NET cannot attach an Ed25519 key to an <see cref="X509Certificate2"/>,
    /// so the key is held as a BouncyCastle key object (see <see cref="Ed25519PrivateKeys"/>).
    /// </summary>
    /// <param name="address">The address the identity signs for.</param>
    /// <param name="certificate">The Ed25519 end-entity certificate (public only).</param>
    /// <param name="chain">Intermediate certificates to include in signatures (not the root).</param>
    /// <param name="privateKey">The key; it must match the certificate.</param>
    /// <param name="location">Where the key came from.</param>
    /// <exception cref="ArgumentException">The certificate is not Ed25519 or the key does not belong to it.</exception>
    public SignerIdentity(string address, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain, Ed25519PrivateKeyParameters privateKey, SignerKeyLocation location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(privateKey);
        if (!Ed25519PrivateKeys.IsEd25519(certificate)
            || !privateKey.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual(certificate.PublicKey.EncodedKeyValue.RawData))
        {
            throw new ArgumentException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) and the Ed25519 key are not a pair.", nameof(privateKey));
        }

        Address = address;
        Certificate = certificate;
        Chain = chain;
        Ed25519PrivateKey = privateKey;
        KeyLocation = location;
    }

    /// <summary>The Ed25519 private key of an Ed25519 identity, else <see langword="null"/>.</summary>
    public Ed25519PrivateKeyParameters? Ed25519PrivateKey { get; }

    /// <summary>The private key when it is held outside <see cref="Certificate"/> (PKCS#11), else <see langword="null"/>.</summary>
    public AsymmetricAlgorithm? PrivateKey { get; }

    /// <summary>Where the private key lives.</summary>
    public SignerKeyLocation KeyLocation { get; }

    /// <summary>The address this identity signs for.</summary>
    public string Address { get; }

    /// <summary>The end-entity certificate; <see cref="X509Certificate2.HasPrivateKey"/> is true unless <see cref="PrivateKey"/> or <see cref="Ed25519PrivateKey"/> is set.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent with each signature.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        PrivateKey?.Dispose();
        Certificate.Dispose();
    }
}
