using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// The recipient directory: recipients' certificates (with their harvested SMIMECapabilities), trust anchors,
/// intermediates and imported CRLs, shared by all signer workers of a deployment. Implementations: SQLite
/// (one node, the default) and PostgreSQL. Thread-safe; lookups are served from a short-lived in-process cache.
/// </summary>
public interface IRecipientDirectory : ICertificateAuthoritySource, IDisposable
{
    /// <summary>
    /// Adds a certificate. A recipient certificate is filed under each of its addresses; adding it again
    /// updates its capabilities when new ones are given.
    /// </summary>
    /// <param name="certificate">The certificate.</param>
    /// <param name="kind">What it is for.</param>
    /// <param name="smimeCapabilities">DER SMIMECapabilities, or <see langword="null"/>.</param>
    /// <returns>The addresses it was filed under (empty for CA certificates).</returns>
    /// <exception cref="ArgumentException">
    /// A recipient certificate names no address, or one that cannot be filed (<see cref="CertificateAddresses.FindUnfileableReason"/>); nothing is stored.
    /// </exception>
    IReadOnlyList<string> Add(X509Certificate2 certificate, DirectoryEntryKind kind, byte[]? smimeCapabilities = null);

    /// <summary>
    /// Adds a CRL (DER) for offline revocation checking after <see cref="RevocationListVerifier"/> accepted it
    /// against this directory's anchors and intermediates; replaces none (old ones are ignored once stale).
    /// </summary>
    /// <param name="der">The CRL.</param>
    /// <returns>The verified CRL: issuer, signing CA, dates and SHA-256.</returns>
    /// <exception cref="InvalidDataException">Not a CRL.</exception>
    /// <exception cref="SmimePipeline.Cryptography.Errors.CertificateRefusedException">
    /// Not issued by a trusted CA, a bad signature, an issuer without cRLSign, or insane dates; nothing is stored.
    /// </exception>
    VerifiedRevocationList AddRevocationList(byte[] der);

    /// <summary>Removes imported CRLs: the one with a SHA-256 (hex, as import printed it), or every CRL of an issuer name.</summary>
    /// <param name="issuerOrSha256">A CRL's SHA-256, or its issuer's distinguished name.</param>
    /// <returns>How many CRLs were removed.</returns>
    int RemoveRevocationLists(string issuerOrSha256);

    /// <summary>The recipient certificates filed under <paramref name="address"/> (exact local part, domain case-insensitive).</summary>
    /// <param name="address">The address.</param>
    /// <returns>The entries, the one that expires last first.</returns>
    IReadOnlyList<DirectoryEntry> Find(string address);

    /// <summary>
    /// The SMIMECapabilities (DER, RFC 8551 §2.5.2) stored with the certificate <paramref name="thumbprint"/> of
    /// <paramref name="address"/>, for cipher selection; <see langword="null"/> when none was harvested.
    /// </summary>
    /// <param name="address">The recipient address.</param>
    /// <param name="thumbprint">The SHA-256 thumbprint of the certificate used.</param>
    /// <returns>The DER bytes, or <see langword="null"/>.</returns>
    byte[]? GetSmimeCapabilities(string address, string thumbprint);

    /// <summary>Every entry.</summary>
    /// <returns>All entries, by kind, address and expiry.</returns>
    IReadOnlyList<DirectoryEntry> List();

    /// <summary>Removes every entry filed under an address, or the certificate with a thumbprint.</summary>
    /// <param name="addressOrThumbprint">An address, or a SHA-256 thumbprint (hex).</param>
    /// <returns>How many entries were removed.</returns>
    int Remove(string addressOrThumbprint);
}
