using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Testing;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// A PKI with one identity per key type the engine supports (RSA-2048, ECDSA P-256 and P-384 with key
/// agreement, Ed25519 made by OpenSSL since .NET cannot create Ed25519 certificates), PEM files for the
/// external engines, and a certificate store over them. Created once per test class.
/// </summary>
public sealed class AlgorithmPki : IDisposable
{
    public const string Domain = "interop.smime.test";
    public const string RsaSender = "rsa-sender@" + Domain;
    public const string P256Sender = "p256-sender@" + Domain;
    public const string P384Sender = "p384-sender@" + Domain;
    public const string Ed25519Sender = "ed25519-sender@" + Domain;
    public const string RsaRecipient = "rsa-recipient@" + Domain;
    public const string EcRecipient = "ec-recipient@" + Domain;
    public const string Stranger = "stranger@" + Domain;

    private readonly Dictionary<string, X509Certificate2> _certificates = new(StringComparer.OrdinalIgnoreCase);

    public AlgorithmPki()
    {
        Directory = Path.Combine(Path.GetTempPath(), "smime-algorithms-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Authority = DemoPki.CreateAuthority("SmimePipeline Algorithm Test CA", TimeSpan.FromDays(30));
        File.WriteAllText(CaCertificatePath, PemEncoding.WriteString("CERTIFICATE", Authority.RawData) + "\n");
        using (var caKey = Authority.GetRSAPrivateKey() ?? (AsymmetricAlgorithm?)Authority.GetECDsaPrivateKey())
        {
            File.WriteAllText(CaKeyPath, PemEncoding.WriteString("PRIVATE KEY", caKey!.ExportPkcs8PrivateKey()) + "\n");
        }

        const X509KeyUsageFlags EcUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement;
        Add(new DemoIdentityOptions(RsaSender));
        Add(new DemoIdentityOptions(P256Sender) { KeyType = DemoKeyType.EcdsaP256, KeyUsage = EcUsage });
        Add(new DemoIdentityOptions(P384Sender) { KeyType = DemoKeyType.EcdsaP384, KeyUsage = EcUsage });
        Add(new DemoIdentityOptions(RsaRecipient));
        Add(new DemoIdentityOptions(EcRecipient) { KeyType = DemoKeyType.EcdsaP256, KeyUsage = EcUsage });
        Add(new DemoIdentityOptions(Stranger));
        Ed25519Identity = CreateEd25519Identity();
        Store = new InMemoryCertificateStore(_certificates, Authority);
        Store.AddSigner(Ed25519Identity);
    }

    public string Directory { get; }

    public X509Certificate2 Authority { get; }

    public string CaCertificatePath => Path.Combine(Directory, "ca.pem");

    public string CaKeyPath => Path.Combine(Directory, "ca.key.pem");

    public InMemoryCertificateStore Store { get; }

    /// <summary>The Ed25519 signer, its key read from OpenSSL's PKCS#8 file as the store reads it.</summary>
    public SignerIdentity Ed25519Identity { get; }

    public string CertificatePath(string address) => Path.Combine(Directory, address + ".crt.pem");

    public string KeyPath(string address) => Path.Combine(Directory, address + ".key.pem");

    public X509Certificate2 Certificate(string address) => _certificates[address];

    /// <summary>A protector over this PKI with the given options; the Ed25519 signer comes from the store like the others.</summary>
    public SmimeProtector CreateProtector(Options.ProtectionOptions options, Options.IRecipientCapabilities? capabilities = null) =>
        new(Store, options, capabilities);

    public void Dispose()
    {
        Store.Dispose();
        Ed25519Identity.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void Add(DemoIdentityOptions options)
    {
        var certificate = DemoPki.CreateIdentity(Authority, options);
        DemoPki.WritePem(certificate, CertificatePath(options.Address), KeyPath(options.Address));
        _certificates[options.Address] = certificate;
    }

    private static void Run(params string[] arguments)
    {
        var result = ExternalTool.RunAsync("openssl", arguments).GetAwaiter().GetResult();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {arguments[0]} exited {result.ExitCode}: {result.Stderr}");
        }
    }

    private SignerIdentity CreateEd25519Identity()
    {
        string key = KeyPath(Ed25519Sender);
        string csr = Path.Combine(Directory, "ed25519.csr");
        string extensions = Path.Combine(Directory, "ed25519.ext");
        File.WriteAllText(extensions, $"subjectAltName=email:{Ed25519Sender}\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection\n");
        Run("genpkey", "-algorithm", "ed25519", "-out", key);
        Run("req", "-new", "-key", key, "-subj", $"/CN={Ed25519Sender}/O=SmimePipeline Test", "-out", csr);
        Run("x509", "-req", "-in", csr, "-CA", CaCertificatePath, "-CAkey", CaKeyPath, "-set_serial", "4242", "-days", "20", "-extfile", extensions, "-out", CertificatePath(Ed25519Sender));
        var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath(Ed25519Sender)));
        _certificates[Ed25519Sender] = certificate;
        var signerCertificate = X509CertificateLoader.LoadCertificate(certificate.RawData);
        return new SignerIdentity(Ed25519Sender, signerCertificate, [], Ed25519PrivateKeys.ReadPem(File.ReadAllText(key), signerCertificate, key), SignerKeyLocation.File);
    }
}
