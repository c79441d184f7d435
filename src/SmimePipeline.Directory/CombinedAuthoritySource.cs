using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// The directory's anchors, intermediates and CRLs plus the anchors of the file store (and the CA
/// certificates filed with its signers' chains), so a store set up with 'smime certs trust' before the
/// directory existed keeps validating.
/// </summary>
public sealed class CombinedAuthoritySource : ICertificateAuthoritySource
{
    private readonly IRecipientDirectory _directory;
    private readonly ICertificateStore _files;

    /// <summary>Combines <paramref name="directory"/> with <paramref name="files"/>.</summary>
    /// <param name="directory">The recipient directory.</param>
    /// <param name="files">The file store.</param>
    public CombinedAuthoritySource(IRecipientDirectory directory, ICertificateStore files)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(files);
        _directory = directory;
        _files = files;
    }

    /// <inheritdoc />
    public IReadOnlyList<X509Certificate2> GetTrustAnchors() => [.. _directory.GetTrustAnchors(), .. _files.TrustAnchors];

    /// <inheritdoc />
    public IReadOnlyList<X509Certificate2> GetIntermediates() => _directory.GetIntermediates();

    /// <inheritdoc />
    public IReadOnlyList<byte[]> GetRevocationLists(X500DistinguishedName issuer) => _directory.GetRevocationLists(issuer);
}
