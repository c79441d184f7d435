using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>Signer identities from directories laid out as Kubernetes mounts Secrets.</summary>
public sealed class MountedSignerIdentitiesTests(TestPki pki) : IClassFixture<TestPki>, IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void Tls_and_pkcs12_identities_load_and_the_newest_valid_one_signs()
    {
        var now = DateTimeOffset.UtcNow;
        using var old = pki.Issue("signer", notBefore: now.AddDays(-20), notAfter: now.AddDays(5));
        using var renewed = pki.Issue("signer", notBefore: now.AddHours(-2), notAfter: now.AddDays(400));
        using var future = pki.Issue("signer", notBefore: now.AddDays(3), notAfter: now.AddDays(800));
        WriteTls("signer-old", old);
        WritePkcs12("signer-renewed", renewed, "correct horse");
        WriteTls("signer-future", future);

        using var identities = new MountedSignerIdentities(_temp.Path);

        Assert.Empty(identities.Problems);
        Assert.Equal(3, identities.Identities.Count);
        var chosen = identities.Find("signer@PKI.SMIME.TEST");
        Assert.NotNull(chosen);
        Assert.Equal(renewed.Thumbprint, chosen.Certificate.Thumbprint);
        Assert.True(chosen.Certificate.HasPrivateKey);
        Assert.Contains(chosen.Chain, c => c.Thumbprint == pki.Intermediate.Thumbprint);
        Assert.DoesNotContain(chosen.Chain, c => c.Thumbprint == pki.Root.Thumbprint);
    }

    [Fact]
    public void A_changed_secret_is_reloaded_and_a_broken_one_is_reported_without_key_material()
    {
        using var first = pki.Issue("rotating");
        WriteTls("rotating", first);
        using var identities = new MountedSignerIdentities(_temp.Path);
        Assert.Equal(first.Thumbprint, identities.Find("rotating@" + TestPki.Domain)?.Certificate.Thumbprint);
        Assert.False(identities.Refresh());

        using var second = pki.Issue("rotating");
        WriteTls("rotating", second);
        File.SetLastWriteTimeUtc(Path.Combine(_temp.Path, "rotating", "tls.key"), DateTime.UtcNow.AddSeconds(5));
        Assert.True(identities.Refresh());
        Assert.Equal(second.Thumbprint, identities.Find("rotating@" + TestPki.Domain)?.Certificate.Thumbprint);

        System.IO.Directory.CreateDirectory(Path.Combine(_temp.Path, "broken"));
        File.WriteAllText(Path.Combine(_temp.Path, "broken", "tls.crt"), second.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_temp.Path, "broken", "tls.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        Assert.True(identities.Refresh());
        var problem = Assert.Single(identities.Problems);
        Assert.Contains("broken", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAA", problem, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();

    private void WriteTls(string name, X509Certificate2 certificate)
    {
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(_temp.Path, name)).FullName;
        File.WriteAllText(Path.Combine(directory, "tls.crt"), certificate.ExportCertificatePem() + "\n" + pki.Intermediate.ExportCertificatePem() + "\n");
        using var rsa = certificate.GetRSAPrivateKey()!;
        File.WriteAllText(Path.Combine(directory, "tls.key"), rsa.ExportPkcs8PrivateKeyPem());
    }

    private void WritePkcs12(string name, X509Certificate2 certificate, string password)
    {
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(_temp.Path, name)).FullName;
        var collection = new X509Certificate2Collection { certificate, X509CertificateLoader.LoadCertificate(pki.Intermediate.RawData), X509CertificateLoader.LoadCertificate(pki.Root.RawData) };
        File.WriteAllBytes(Path.Combine(directory, "identity.p12"), collection.Export(X509ContentType.Pkcs12, password)!);
        File.WriteAllText(Path.Combine(directory, "password"), password + "\n");
    }
}
