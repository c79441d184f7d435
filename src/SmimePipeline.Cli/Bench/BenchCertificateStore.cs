using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The benchmark's certificates, minted in-process by <see cref="DemoPki"/> (one signer of the chosen key type, one
/// RSA-2048 recipient, their CA) and filed in a temporary certificate store (<see cref="StorePath"/>, removed on
/// dispose), so that <c>smime bench protect</c> resolves its protector from the same registration as the signer
/// worker and measures the validated lookups a real signer does.
/// </summary>
internal sealed class BenchCertificateStore : IDisposable
{
    public const string SenderAddress = "bench-sender@" + DemoPki.Domain;
    public const string RecipientAddress = "bench-recipient@" + DemoPki.Domain;

    private readonly X509Certificate2 _authority;
    private readonly string _root;

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
        RecipientWithKey = DemoPki.CreateIdentity(_authority, new DemoIdentityOptions(RecipientAddress));
        Recipient = X509CertificateLoader.LoadCertificate(RecipientWithKey.RawData);

        _root = Directory.CreateTempSubdirectory("smime-bench-").FullName;
        var authorityPem = Path.Combine(_root, "bench-ca.pem");
        var recipientPem = Path.Combine(_root, "bench-recipient.pem");
        File.WriteAllText(authorityPem, _authority.ExportCertificatePem());
        File.WriteAllText(recipientPem, Recipient.ExportCertificatePem());
        using var files = new DirectoryCertificateStore(Path.Combine(_root, "store"));
        files.ImportSigner(SignerCertificate, []);
        files.ImportCertificate(recipientPem);
        files.Trust(authorityPem);
        StorePath = files.Directory;
    }

    /// <summary>The temporary certificate store holding the signer, the recipient and the CA as anchor.</summary>
    public string StorePath { get; }

    /// <summary>The signer certificate with its private key.</summary>
    public X509Certificate2 SignerCertificate { get; }

    /// <summary>The recipient's certificate without its key, as a real store holds it.</summary>
    public X509Certificate2 Recipient { get; }

    /// <summary>The recipient's certificate with its key (for decrypting in checks).</summary>
    public X509Certificate2 RecipientWithKey { get; }

    public void Dispose()
    {
        SignerCertificate.Dispose();
        Recipient.Dispose();
        RecipientWithKey.Dispose();
        _authority.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
