using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.Cms;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// What key transport needs from a recipient certificate, prepared once per certificate instance:
/// the OpenSSL public key and the RecipientIdentifier. Measured on the standard message, importing
/// the key (<c>GetRSAPublicKey</c>, ≈100 µs) and parsing the certificate with
/// BouncyCastle for issuer and serial (≈16 KB allocated) per message and recipient cost more than the
/// AES encryption of the whole message. The store hands out the same instance until the file changes,
/// so a replaced certificate gets a new entry; entries go away with their certificate.
/// RSA public-key operations are thread-safe (each call gets its own OpenSSL context).
/// </summary>
internal sealed class KeyTransportRecipient
{
    private static readonly ConditionalWeakTable<X509Certificate2, KeyTransportRecipient> Prepared = new();

    private KeyTransportRecipient(RSA publicKey, RecipientIdentifier identifier)
    {
        PublicKey = publicKey;
        Identifier = identifier;
    }

    /// <summary>The recipient's RSA public key.</summary>
    public RSA PublicKey { get; }

    /// <summary>IssuerAndSerialNumber of the certificate (KeyTransRecipientInfo version 0).</summary>
    public RecipientIdentifier Identifier { get; }

    /// <summary>The prepared recipient for <paramref name="certificate"/>.</summary>
    /// <exception cref="ArgumentException">The certificate has no RSA public key.</exception>
    public static KeyTransportRecipient For(X509Certificate2 certificate)
    {
        if (Prepared.TryGetValue(certificate, out var prepared))
        {
            return prepared;
        }

        var rsa = certificate.GetRSAPublicKey()
            ?? throw new ArgumentException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) has no RSA public key.", nameof(certificate));
        return Prepared.GetValue(certificate, _ => new KeyTransportRecipient(rsa, CmsIdentifiers.RecipientIssuerAndSerialNumber(certificate)));
    }
}
