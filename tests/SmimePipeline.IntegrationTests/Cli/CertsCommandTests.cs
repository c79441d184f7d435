using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

[UnsupportedOSPlatform("windows")]
public sealed class CertsCommandTests : IClassFixture<DemoPkiFixture>
{
    private readonly DemoPkiFixture _fixture;

    public CertsCommandTests(DemoPkiFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Import_signer_takes_the_password_from_the_environment_and_list_shows_it()
    {
        using var temp = new TempDirectory();
        var pki = _fixture.Pki;
        var store = Path.Combine(temp.Path, "store");
        var p12 = Path.Combine(temp.Path, "signer.p12");
        const string password = "correct horse battery staple";
        using (var certificate = X509Certificate2.CreateFromPemFile(pki.CertificatePath(pki.SenderAddress), pki.KeyPath(pki.SenderAddress)))
        {
            await File.WriteAllBytesAsync(p12, certificate.Export(X509ContentType.Pkcs12, password));
        }

        var env = new Dictionary<string, string> { ["SMIME_PKCS12_PASSWORD"] = password };
        var imported = await SmimeCli.RunAsync(["certs", "import-signer", p12, "--store", store], env);
        var trusted = await SmimeCli.RunAsync(["certs", "trust", pki.CaCertificatePath, "--store", store]);
        var recipient = await SmimeCli.RunAsync(["certs", "import", pki.CertificatePath(pki.RecipientAddresses[0]), "--store", store]);
        var list = await SmimeCli.RunAsync(["certs", "list", "--json", "--store", store]);

        Assert.True(imported.ExitCode == 0, imported.Stderr);
        Assert.True(trusted.ExitCode == 0, trusted.Stderr);
        Assert.True(recipient.ExitCode == 0, recipient.Stderr);
        Assert.True(list.ExitCode == 0, list.Stderr);
        var all = Encoding.UTF8.GetString(imported.Stdout) + imported.Stderr + Encoding.UTF8.GetString(list.Stdout) + list.Stderr;
        Assert.DoesNotContain(password, all, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(list.Stdout);
        var text = json.RootElement.ToString();
        Assert.Contains(pki.SenderAddress, text, StringComparison.Ordinal);
        Assert.Contains(pki.RecipientAddresses[0], text, StringComparison.Ordinal);
        Assert.Equal(3, json.RootElement.GetArrayLength());

        var keyFile = Directory.GetFiles(Path.Combine(store, "signers"), "*.key.pem", SearchOption.AllDirectories).Single();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
    }

    [Fact]
    public async Task Import_signer_with_a_wrong_password_fails_with_one_line_and_imports_nothing()
    {
        using var temp = new TempDirectory();
        var pki = _fixture.Pki;
        var store = Path.Combine(temp.Path, "store");
        var p12 = Path.Combine(temp.Path, "signer.p12");
        using (var certificate = X509Certificate2.CreateFromPemFile(pki.CertificatePath(pki.SenderAddress), pki.KeyPath(pki.SenderAddress)))
        {
            await File.WriteAllBytesAsync(p12, certificate.Export(X509ContentType.Pkcs12, "right"));
        }

        var result = await SmimeCli.RunAsync(["certs", "import-signer", p12, "--store", store], new Dictionary<string, string> { ["SMIME_PKCS12_PASSWORD"] = "wrong" });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("signer.p12", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(store, "signers")) && Directory.EnumerateFiles(Path.Combine(store, "signers"), "*", SearchOption.AllDirectories).Any());
    }
}
