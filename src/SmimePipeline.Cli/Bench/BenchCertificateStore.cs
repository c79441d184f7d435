using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// An in-memory store with keys minted in-process by <see cref="DemoPki"/>: one signer and one
/// RSA-2048 recipient, so the benchmark measures the protect stage and not the file system.
/// </summary>
internal sealed class BenchCertificateStore : ICertificateStore, IDisposable
{
    public const string SenderAddress = "bench-sender@" + DemoPki.Domain;
    public const string RecipientAddress = "bench-recipient@" + DemoPki.Domain;

    private readonly X509Certificate2 _authority;
    private readonly SignerIdentity _signer;

    public BenchCertificateStore(string keyType)
    {
        _authority = DemoPki.CreateAuthority("SmimePipeline Bench CA", TimeSpan.FromDays(30));
        var options = keyType switch
        {
            "rsa2048" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.Rsa, RsaKeySize = 2048 },
            "rsa3072" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.Rsa, RsaKeySize = 3072 },
            "p256" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.EcdsaP256 },
            _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "Expected rsa2048, rsa3072 or p256."),
        };
        SignerCertificate = DemoPki.CreateIdentity(_authority, options);
        _signer = new SignerIdentity(SenderAddress, SignerCertificate, []);
        RecipientWithKey = DemoPki.CreateIdentity(_authority, new DemoIdentityOptions(RecipientAddress));
        Recipient = X509CertificateLoader.LoadCertificate(RecipientWithKey.RawData);
        TrustAnchors = [X509CertificateLoader.LoadCertificate(_authority.RawData)];
    }

    /// <summary>The signer certificate with its private key.</summary>
    public X509Certificate2 SignerCertificate { get; }

    /// <summary>The recipient's certificate without its key, as a real store holds it.</summary>
    public X509Certificate2 Recipient { get; }

    /// <summary>The recipient's certificate with its key (for decrypting in checks).</summary>
    public X509Certificate2 RecipientWithKey { get; }

    public IReadOnlyList<X509Certificate2> TrustAnchors { get; }

    public SignerIdentity? FindSigner(string address) =>
        string.Equals(address, SenderAddress, StringComparison.OrdinalIgnoreCase) ? _signer : null;

    public X509Certificate2? FindRecipientCertificate(string address) =>
        string.Equals(address, RecipientAddress, StringComparison.OrdinalIgnoreCase) ? Recipient : null;

    public void Dispose()
    {
        _signer.Dispose();
        Recipient.Dispose();
        RecipientWithKey.Dispose();
        _authority.Dispose();
        foreach (var anchor in TrustAnchors)
        {
            anchor.Dispose();
        }
    }
}
