using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// A signing key with its certificate and chain, loaded once per process into an OpenSSL-backed key
/// object. Only the signer role ever creates one.
/// </summary>
public sealed class SignerIdentity : IDisposable
{
    /// <summary>Creates an identity from a certificate that carries its private key.</summary>
    /// <param name="address">The address the identity signs for.</param>
    /// <param name="certificate">The end-entity certificate with its private key.</param>
    /// <param name="chain">Intermediate certificates to include in signatures (not the root).</param>
    /// <exception cref="ArgumentException">The certificate has no private key.</exception>
    public SignerIdentity(string address, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> chain)
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
    }

    /// <summary>The address this identity signs for.</summary>
    public string Address { get; }

    /// <summary>The end-entity certificate; <see cref="X509Certificate2.HasPrivateKey"/> is true.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Intermediate certificates sent with each signature.</summary>
    public IReadOnlyList<X509Certificate2> Chain { get; }

    /// <inheritdoc />
    public void Dispose() => Certificate.Dispose();
}
