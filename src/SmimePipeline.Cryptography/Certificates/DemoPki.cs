using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// A demo PKI for laptops and tests: a root CA, two signers (RSA-2048 and ECDSA P-256) and three recipients,
/// all under <c>demo.smime.test</c>, filed into a <see cref="DirectoryCertificateStore"/>. Never use in production.
/// </summary>
public sealed class DemoPki
{
    /// <summary>The domain of every demo address.</summary>
    public const string Domain = "demo.smime.test";

    private const string EmailProtectionOid = "1.3.6.1.5.5.7.3.4";
    private static readonly Lock CreationLock = new();

    private DemoPki(string directory)
    {
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The demo directory.</summary>
    public string Directory { get; }

    /// <summary>The certificate store (<c>directory/store</c>).</summary>
    public string StorePath => Path.Combine(Directory, "store");

    /// <summary>The root CA certificate, PEM (<c>directory/ca.pem</c>).</summary>
    public string CaCertificatePath => Path.Combine(Directory, "ca.pem");

    /// <summary>The root CA private key, PKCS#8 PEM, mode 0600 (<c>directory/ca.key.pem</c>).</summary>
    public string CaKeyPath => Path.Combine(Directory, "ca.key.pem");

    /// <summary>The RSA signer, <c>sender@demo.smime.test</c>.</summary>
    public string SenderAddress { get; } = "sender@" + Domain;

    /// <summary>The ECDSA P-256 signer, <c>ecdsa-sender@demo.smime.test</c>.</summary>
    public string EcdsaSenderAddress { get; } = "ecdsa-sender@" + Domain;

    /// <summary>The recipients alice, bob and carol (RSA-2048, keys in <c>keys/</c>).</summary>
    public IReadOnlyList<string> RecipientAddresses { get; } = ["alice@" + Domain, "bob@" + Domain, "carol@" + Domain];

    /// <summary>The PKCS#8 PEM key of a demo address: <c>directory/keys/&lt;address&gt;.key.pem</c>.</summary>
    /// <param name="address">A demo address.</param>
    /// <returns>The path.</returns>
    public string KeyPath(string address) => Path.Combine(Directory, "keys", address + ".key.pem");

    /// <summary>The PEM certificate of a demo address: <c>directory/keys/&lt;address&gt;.crt.pem</c>.</summary>
    /// <param name="address">A demo address.</param>
    /// <returns>The path.</returns>
    public string CertificatePath(string address) => Path.Combine(Directory, "keys", address + ".crt.pem");

    /// <summary>
    /// Creates the demo PKI in <paramref name="directory"/>, or returns the existing one when all its files
    /// are there (nothing is regenerated).
    /// </summary>
    /// <param name="directory">Where to write it.</param>
    /// <returns>The demo PKI.</returns>
    public static DemoPki EnsureCreated(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var pki = new DemoPki(directory);
        lock (CreationLock)
        {
            if (pki.IsComplete())
            {
                return pki;
            }

            pki.Create();
        }

        return pki;
    }

    /// <summary>Loads the root CA with its private key, to mint further test identities.</summary>
    /// <returns>The CA certificate with its key.</returns>
    public X509Certificate2 LoadAuthority() => X509Certificate2.CreateFromPemFile(CaCertificatePath, CaKeyPath);

    /// <summary>Creates a self-signed root CA (RSA-2048, valid from 30 days ago for <paramref name="validity"/>).</summary>
    /// <param name="name">The CN.</param>
    /// <param name="validity">How long it is valid from now.</param>
    /// <returns>The CA certificate with its private key.</returns>
    public static X509Certificate2 CreateAuthority(string name, TimeSpan validity)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}, O=SmimePipeline Demo"), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        // Backdated so tests can mint already-expired certificates under it.
        return request.CreateSelfSigned(now.AddDays(-30), now.Add(validity));
    }

    /// <summary>Mints an end-entity certificate with a private key, issued by <paramref name="issuer"/>.</summary>
    /// <param name="issuer">The CA, with its private key.</param>
    /// <param name="options">Address, key type and size, validity, key usage.</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 CreateIdentity(X509Certificate2 issuer, DemoIdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(options);
        var subject = new StringBuilder("CN=").Append(options.Address);
        if (options.IncludeEmailAddressInSubject)
        {
            subject.Append(", E=").Append(options.Address);
        }

        subject.Append(", O=SmimePipeline Demo");
        var name = new X500DistinguishedName(subject.ToString());
        var now = DateTimeOffset.UtcNow;
        var issuerNotBefore = new DateTimeOffset(issuer.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var issuerNotAfter = new DateTimeOffset(issuer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = Min(options.NotAfter ?? now.AddYears(2), issuerNotAfter);
        // An already-expired certificate (NotAfter in the past) starts a week before it ends by default.
        var notBefore = Max(options.NotBefore ?? Min(now.AddHours(-1), notAfter.AddDays(-7)), issuerNotBefore);
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;

        // The issuer signs with its own key type, whatever the subject's is.
        using var issuerRsa = issuer.GetRSAPrivateKey();
        using var issuerEcdsa = issuerRsa is null ? issuer.GetECDsaPrivateKey() : null;
        var generator = issuerRsa is not null
            ? X509SignatureGenerator.CreateForRSA(issuerRsa, RSASignaturePadding.Pkcs1)
            : X509SignatureGenerator.CreateForECDsa(issuerEcdsa ?? throw new ArgumentException("The issuer has no private key.", nameof(issuer)));

        switch (options.KeyType)
        {
            case DemoKeyType.Rsa:
            {
                using var rsa = RSA.Create(options.RsaKeySize);
                var request = new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                AddExtensions(request, issuer, options, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment);
                using var certificate = request.Create(issuer.SubjectName, generator, notBefore, notAfter, serial);
                return certificate.CopyWithPrivateKey(rsa);
            }

            default:
            {
                using var ecdsa = ECDsa.Create(options.KeyType == DemoKeyType.EcdsaP384 ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256);
                var request = new CertificateRequest(name, ecdsa, options.KeyType == DemoKeyType.EcdsaP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256);
                AddExtensions(request, issuer, options, X509KeyUsageFlags.DigitalSignature);
                using var certificate = request.Create(issuer.SubjectName, generator, notBefore, notAfter, serial);
                return certificate.CopyWithPrivateKey(ecdsa);
            }
        }
    }

    /// <summary>Writes a certificate as PEM and its private key as PKCS#8 PEM (mode 0600).</summary>
    /// <param name="certificate">A certificate with an RSA or ECDSA private key.</param>
    /// <param name="certificatePath">Where the certificate goes.</param>
    /// <param name="keyPath">Where the key goes.</param>
    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
            ?? certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"The certificate {certificate.Subject} has no private key.", nameof(certificate));
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        try
        {
            DirectoryCertificateStore.WriteFile(keyPath, Encoding.ASCII.GetBytes(PemEncoding.WriteString("PRIVATE KEY", pkcs8) + "\n"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }

        DirectoryCertificateStore.WriteFile(
            certificatePath,
            Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private static void AddExtensions(CertificateRequest request, X509Certificate2 issuer, DemoIdentityOptions options, X509KeyUsageFlags defaultUsage)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usage = options.KeyUsage ?? defaultUsage;
        if (usage != X509KeyUsageFlags.None)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        }

        if (options.IncludeEmailProtection)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(EmailProtectionOid)], false));
        }

        if (options.IncludeSubjectAlternativeName)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddEmailAddress(options.Address);
            request.CertificateExtensions.Add(san.Build());
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private bool IsComplete()
    {
        var addresses = new List<string>(RecipientAddresses) { SenderAddress, EcdsaSenderAddress };
        return File.Exists(CaCertificatePath) && File.Exists(CaKeyPath)
            && System.IO.Directory.Exists(StorePath)
            && addresses.All(a => File.Exists(KeyPath(a)) && File.Exists(CertificatePath(a)));
    }

    private void Create()
    {
        DirectoryCertificateStore.CreatePrivateDirectory(Directory);
        DirectoryCertificateStore.CreatePrivateDirectory(Path.Combine(Directory, "keys"));
        if (System.IO.Directory.Exists(StorePath))
        {
            // A half-written store from an interrupted run: start over so it matches the new CA.
            System.IO.Directory.Delete(StorePath, recursive: true);
        }

        using var authority = CreateAuthority("SmimePipeline Demo Root CA", TimeSpan.FromDays(5 * 365));
        using var store = new DirectoryCertificateStore(StorePath);

        var identities = new List<(string Address, DemoIdentityOptions Options, bool Signer)>
        {
            (SenderAddress, new DemoIdentityOptions(SenderAddress), true),
            (EcdsaSenderAddress, new DemoIdentityOptions(EcdsaSenderAddress) { KeyType = DemoKeyType.EcdsaP256 }, true),
        };
        identities.AddRange(RecipientAddresses.Select(a => (a, new DemoIdentityOptions(a), false)));

        foreach (var (address, options, signer) in identities)
        {
            using var identity = CreateIdentity(authority, options);
            WritePem(identity, CertificatePath(address), KeyPath(address));
            if (signer)
            {
                store.ImportSigner(identity, [authority]);
            }
            else
            {
                store.ImportCertificate(CertificatePath(address));
            }
        }

        string caPem = PemEncoding.WriteString("CERTIFICATE", authority.RawData) + "\n";
        File.WriteAllText(Path.Combine(Directory, "ca.pem.tmp"), caPem);
        store.Trust(Path.Combine(Directory, "ca.pem.tmp"));
        File.Delete(Path.Combine(Directory, "ca.pem.tmp"));
        // The CA files come last: their presence marks a complete demo PKI.
        WritePem(authority, CaCertificatePath, CaKeyPath);
    }
}
