using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Benchmarks;

/// <summary>An RSA-2048 signer and an RSA-2048 recipient minted in-process, as an in-memory store.</summary>
public sealed class BenchmarkKeys : ICertificateStore, IDisposable
{
    public const string Sender = "bench-sender@" + DemoPki.Domain;
    public const string Recipient = "bench-recipient@" + DemoPki.Domain;

    private readonly X509Certificate2 _authority = DemoPki.CreateAuthority("SmimePipeline Benchmark CA", TimeSpan.FromDays(30));
    private readonly SignerIdentity _signer;
    private readonly X509Certificate2 _recipient;

    public BenchmarkKeys(DemoKeyType signerKey = DemoKeyType.Rsa)
    {
        _signer = new SignerIdentity(Sender, DemoPki.CreateIdentity(_authority, new DemoIdentityOptions(Sender) { KeyType = signerKey }), []);
        using var recipient = DemoPki.CreateIdentity(_authority, new DemoIdentityOptions(Recipient));
        _recipient = X509CertificateLoader.LoadCertificate(recipient.RawData);
    }

    public SignerIdentity SignerIdentity => _signer;

    public X509Certificate2 RecipientCertificate => _recipient;

    public IReadOnlyList<X509Certificate2> TrustAnchors => [_authority];

    public SignerIdentity? FindSigner(string address) => string.Equals(address, Sender, StringComparison.OrdinalIgnoreCase) ? _signer : null;

    public X509Certificate2? FindRecipientCertificate(string address) => string.Equals(address, Recipient, StringComparison.OrdinalIgnoreCase) ? _recipient : null;

    public void Dispose()
    {
        _signer.Dispose();
        _recipient.Dispose();
        _authority.Dispose();
    }
}
