using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;

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
        TrustAnchors = [X509CertificateLoader.LoadCertificate(_authority.RawData)];
        if (keyType.StartsWith("pkcs11:", StringComparison.OrdinalIgnoreCase))
        {
            ArgumentNullException.ThrowIfNull(pkcs11);
            var uri = Pkcs11Uri.Parse(keyType);
            using var stored = pkcs11.ReadCertificate(uri)
                ?? throw new Commands.CliException($"The token holds no certificate under the key's id/label ({uri}); the bench takes the public key from it.");
            SignerCertificate = CertifyForBench(stored.PublicKey);
            KeyInToken = stored.GetRSAPublicKey() is { } rsa ? (rsa.KeySize == 2048 ? "rsa2048" : "rsa3072") : "p256";
            _signer = new SignerIdentity(SenderAddress, SignerCertificate, [], pkcs11.OpenKey(uri, SignerCertificate), SignerKeyLocation.Pkcs11);
            return;
        }

        var options = keyType switch
        {
            "rsa2048" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.Rsa, RsaKeySize = 2048 },
            "rsa3072" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.Rsa, RsaKeySize = 3072 },
            "p256" => new DemoIdentityOptions(SenderAddress) { KeyType = DemoKeyType.EcdsaP256 },
            _ => throw new ArgumentOutOfRangeException(nameof(keyType), keyType, "Expected rsa2048, rsa3072 or p256."),
        };
        SignerCertificate = DemoPki.CreateIdentity(_authority, options);
        _signer = new SignerIdentity(SenderAddress, SignerCertificate, []);
    }

    /// <summary>For a key in a token, the file key type it compares with (<c>rsa2048</c>, <c>rsa3072</c>, <c>p256</c>); else <see langword="null"/>.</summary>
    public string? KeyInToken { get; }

    /// <summary>The signer certificate, with its private key unless the key is in a token.</summary>
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
