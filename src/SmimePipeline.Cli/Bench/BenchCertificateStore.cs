using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The benchmark's certificates, minted in-process by <see cref="DemoPki"/> (one signer of the chosen key type, one
/// RSA-2048 recipient, their CA) and filed in a temporary certificate store (<see cref="StorePath"/>, removed on
/// dispose), so that <c>smime bench protect</c> resolves its protector from the same registration as the signer
/// worker and measures the validated lookups a real signer does. A <c>pkcs11:</c> key stays in its token: the
/// store files its URI, and the bench CA certifies the public key the token holds a certificate for.
/// </summary>
internal sealed class BenchCertificateStore : IDisposable
{
    public const string SenderAddress = "bench-sender@" + DemoPki.Domain;
    public const string RecipientAddress = "bench-recipient@" + DemoPki.Domain;

    private readonly X509Certificate2 _authority;
    private readonly string _root;

    /// <summary>
    /// A store whose signer key is <paramref name="keyType"/> (<c>rsa2048</c>, <c>rsa3072</c>, <c>p256</c>) minted in
    /// memory, or a <c>pkcs11:</c> URI: then the key stays in the token and the bench CA certifies its public key
    /// (taken from the certificate the token stores under the key's id/label) for the bench sender address.
    /// </summary>
    public BenchCertificateStore(string keyType, Pkcs11KeyProvider? pkcs11 = null)
    {
        _authority = DemoPki.CreateAuthority("SmimePipeline Bench CA", TimeSpan.FromDays(30));
        RecipientWithKey = DemoPki.CreateIdentity(_authority, new DemoIdentityOptions(RecipientAddress));
        Recipient = X509CertificateLoader.LoadCertificate(RecipientWithKey.RawData);
        Pkcs11 = pkcs11;
        Pkcs11Uri? keyUri = null;
        if (keyType.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase))
        {
            ArgumentNullException.ThrowIfNull(pkcs11);
            keyUri = Pkcs11Uri.Parse(keyType);
            using var stored = pkcs11.ReadCertificate(keyUri)
                ?? throw new Commands.CliException($"The token holds no certificate under the key's id/label ({keyUri}); the bench takes the public key from it.");
            SignerCertificate = CertifyForBench(stored.PublicKey);
            KeyInToken = stored.GetRSAPublicKey() is { } rsa ? (rsa.KeySize == 2048 ? "rsa2048" : "rsa3072") : "p256";
        }
        else
        {
            var options = keyType switch
            {
                "rsa2048" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.Rsa, RsaKeySize = 2048 },
                "rsa3072" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.Rsa, RsaKeySize = 3072 },
                "p256" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.EcdsaP256 },
                _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "Expected rsa2048, rsa3072, p256 or a pkcs11: URI."),
            };
            SignerCertificate = DemoPki.CreateIdentity(_authority, options);
        }

        _root = Directory.CreateTempSubdirectory("smime-bench-").FullName;
        var authorityPem = Path.Combine(_root, "bench-ca.pem");
        var recipientPem = Path.Combine(_root, "bench-recipient.pem");
        File.WriteAllText(authorityPem, _authority.ExportCertificatePem());
        File.WriteAllText(recipientPem, Recipient.ExportCertificatePem());
        using var files = new DirectoryCertificateStore(Path.Combine(_root, "store"));
        if (keyUri is not null)
        {
            files.ImportPkcs11Signer(keyUri, SignerCertificate, []);
        }
        else
        {
            files.ImportSigner(SignerCertificate, []);
        }

        files.ImportCertificate(recipientPem);
        files.Trust(authorityPem);
        StorePath = files.Directory;
    }

    /// <summary>The temporary certificate store holding the signer, the recipient and the CA as anchor.</summary>
    public string StorePath { get; }

    /// <summary>Opens the signer's key when it is in a token; <see langword="null"/> for a file key.</summary>
    public Pkcs11KeyProvider? Pkcs11 { get; }

    /// <summary>For a key in a token, the file key type it compares with (<c>rsa2048</c>, <c>rsa3072</c>, <c>p256</c>); else <see langword="null"/>.</summary>
    public string? KeyInToken { get; }

    /// <summary>The signer certificate, with its private key unless the key is in a token.</summary>
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

    private X509Certificate2 CertifyForBench(PublicKey publicKey)
    {
        var request = new CertificateRequest(new X500DistinguishedName($"CN={SenderAddress}"), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(SenderAddress);
        request.CertificateExtensions.Add(san.Build());
        using var issuerKey = _authority.GetRSAPrivateKey()!;
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        return request.Create(_authority.SubjectName, X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1), now.AddHours(-1), now.AddDays(7), serial);
    }
}
