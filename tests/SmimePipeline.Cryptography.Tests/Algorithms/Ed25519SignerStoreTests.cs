using System.Runtime.Versioning;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>
/// An Ed25519 signer (RFC 8419) filed in the directory store and mounted as a Kubernetes TLS Secret, with its
/// key made by OpenSSL as PKCS#8 (1.3.101.112): the identity loads and signs, judged by BouncyCastle's CMS verifier.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class Ed25519SignerStoreTests(AlgorithmPki pki) : IClassFixture<AlgorithmPki>, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smime-ed25519-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void An_imported_Ed25519_signer_is_filed_with_a_0600_key_and_signs_mail_that_verifies()
    {
        string storePath = Path.Combine(_directory, "store");
        using (var importing = new DirectoryCertificateStore(storePath))
        {
            var addresses = importing.ImportSignerFromPem(pki.CertificatePath(AlgorithmPki.Ed25519Sender), pki.KeyPath(AlgorithmPki.Ed25519Sender));
            Assert.Equal([AlgorithmPki.Ed25519Sender], addresses);
        }

        string keyFile = Assert.Single(Directory.GetFiles(Path.Combine(storePath, "signers", AlgorithmPki.Ed25519Sender), "*.key.pem"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));

        // A fresh store (another process) reads the filed key back.
        using var store = new DirectoryCertificateStore(storePath);
        var identity = store.FindSigner(AlgorithmPki.Ed25519Sender);
        Assert.NotNull(identity);
        Assert.NotNull(identity.Ed25519PrivateKey);
        Assert.Equal(SignerKeyLocation.File, identity.KeyLocation);

        var result = new SmimeProtector(store).Protect(ProtectedBytes.Mail(AlgorithmPki.Ed25519Sender, "ed25519 from the store", AlgorithmPki.RsaRecipient), SecurityPolicy.SignOnly);
        var verified = BouncyCastleCmsVerifier.Verify(result.Content);
        Assert.True(verified.Ok, "BouncyCastle did not verify the Ed25519 signature of the stored identity");
        Assert.Contains("Hello from", ProtectedBytes.Text(verified.Content), StringComparison.Ordinal);
        Assert.False(BouncyCastleCmsVerifier.Verify(ProtectedBytes.FlipSignatureByte(result.Content)).Ok, "a flipped signature byte verified");
    }

    [Fact]
    public void A_mounted_Ed25519_tls_secret_loads_and_signs()
    {
        string identityDirectory = Path.Combine(_directory, "mounted", "ed25519");
        Directory.CreateDirectory(identityDirectory);
        File.Copy(pki.CertificatePath(AlgorithmPki.Ed25519Sender), Path.Combine(identityDirectory, "tls.crt"));
        File.Copy(pki.KeyPath(AlgorithmPki.Ed25519Sender), Path.Combine(identityDirectory, "tls.key"));

        using var mounted = new MountedSignerIdentities(Path.Combine(_directory, "mounted"));
        Assert.Empty(mounted.Problems);
        var identity = mounted.Find(AlgorithmPki.Ed25519Sender);
        Assert.NotNull(identity);
        Assert.NotNull(identity.Ed25519PrivateKey);
        Assert.Equal(SignerKeyLocation.Mounted, identity.KeyLocation);

        using var cms = new Cms.CmsSignerKey(identity);
        Assert.Equal("ed25519", cms.SchemeName);
        Assert.Equal(64, cms.Sign("attributes"u8).Length);
    }

    [Fact]
    public async Task An_Ed25519_key_of_another_certificate_is_refused_naming_the_key_file()
    {
        string otherKey = Path.Combine(_directory, "other.key.pem");
        Directory.CreateDirectory(_directory);
        var generated = await Testing.ExternalTool.RunAsync("openssl", ["genpkey", "-algorithm", "ed25519", "-out", otherKey]);
        Assert.Equal(0, generated.ExitCode);

        using var store = new DirectoryCertificateStore(Path.Combine(_directory, "store"));
        var refused = Assert.Throws<InvalidDataException>(() => store.ImportSignerFromPem(pki.CertificatePath(AlgorithmPki.Ed25519Sender), otherKey));
        Assert.Contains(otherKey, refused.Message, StringComparison.Ordinal);
        Assert.Contains("does not belong", refused.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_directory, "store", "signers", AlgorithmPki.Ed25519Sender)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
