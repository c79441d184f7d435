using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>A real <see cref="ICertificateStore"/> over certificates held in memory: identities with private keys sign, all are recipients.</summary>
public sealed class InMemoryCertificateStore : ICertificateStore, IDisposable
{
    private readonly Dictionary<string, SignerIdentity> _signers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, X509Certificate2> _recipients = new(StringComparer.OrdinalIgnoreCase);

    public InMemoryCertificateStore(IReadOnlyDictionary<string, X509Certificate2> certificates, X509Certificate2 anchor)
    {
        foreach (var (address, certificate) in certificates)
        {
            if (certificate.HasPrivateKey)
            {
                _signers[address] = new SignerIdentity(address, certificate, []);
            }

            _recipients[address] = certificate;
        }

        TrustAnchors = [anchor];
    }

    public IReadOnlyList<X509Certificate2> TrustAnchors { get; }

    /// <summary>Adds a signer whose key is not in its certificate (Ed25519), as the directory store files one.</summary>
    public void AddSigner(SignerIdentity identity) => _signers[identity.Address] = identity;

    public SignerIdentity? FindSigner(string address) => _signers.GetValueOrDefault(address);

    public X509Certificate2? FindRecipientCertificate(string address) => _recipients.GetValueOrDefault(address);

    public void Dispose()
    {
        foreach (var certificate in _recipients.Values)
        {
            certificate.Dispose();
        }
    }
}
