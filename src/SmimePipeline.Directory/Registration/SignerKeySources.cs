using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.CertificateDirectory.Registration;

/// <summary>
/// Where signer keys come from, in the order they are asked: mounted identities (when
/// <see cref="SmimeCertificatesOptions.IdentitiesPath"/> is set), then the file store. This is the one seam for
/// a new key home (e.g. a PKCS#11 token): it is added here and every entry point (worker, CLI, bench) sees it.
/// </summary>
public sealed class SignerKeySources : IDecryptionIdentities, IDisposable
{
    /// <summary>Creates the sources.</summary>
    /// <param name="files">The file store (always present).</param>
    /// <param name="mounted">Mounted identities; <see langword="null"/> when not configured.</param>
    public SignerKeySources(DirectoryCertificateStore files, MountedSignerIdentities? mounted)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
        Mounted = mounted;
    }

    /// <summary>The file store: signer keys under <c>signers/</c>, also recipients and anchors.</summary>
    public DirectoryCertificateStore Files { get; }

    /// <summary>Mounted identities, or <see langword="null"/> when <see cref="SmimeCertificatesOptions.IdentitiesPath"/> is empty.</summary>
    public MountedSignerIdentities? Mounted { get; }

    /// <inheritdoc />
    /// <remarks>Mounted identities first, then the file store's signers (keys in files or PKCS#11 tokens).</remarks>
    /// <exception cref="Cryptography.Pkcs11.Pkcs11UnavailableException">The signer's PKCS#11 token is unavailable (transient: retry).</exception>
    public SignerIdentity? FindByCertificate(Func<System.Security.Cryptography.X509Certificates.X509Certificate2, bool> isAddressed) =>
        Mounted?.Find(isAddressed) ?? Files.FindSigner(isAddressed);

    /// <inheritdoc />
    public void Dispose() => Mounted?.Dispose();
}
