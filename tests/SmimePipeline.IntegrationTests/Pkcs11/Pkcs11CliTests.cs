using System.Security.Cryptography;
using System.Text.Json;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.Pkcs11;

namespace SmimePipeline.IntegrationTests.Pkcs11;

/// <summary><c>smime certs import-signer --pkcs11</c> and <c>certs list</c>, run as the installed command runs.</summary>
public sealed class Pkcs11CliTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Import_signer_files_the_uri_and_the_certificate_and_list_shows_where_the_key_lives()
    {
        var keys = await PipelineToken.GetAsync();
        var pki = DemoPki.EnsureCreated(_temp.File("pki"));
        string address = "hsm-cli@" + DemoPki.Domain;
        using (var authority = pki.LoadAuthority())
        using (var certificate = TokenCertificates.Issue(authority, address, keys.EcPublicKey))
        {
            await File.WriteAllTextAsync(_temp.File("signer.pem"), PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n" + await File.ReadAllTextAsync(pki.CaCertificatePath));
        }

        string store = _temp.File("store");
        var environment = new Dictionary<string, string>(SoftHsm.Environment) { ["SMIME_PKCS11_PIN"] = SoftHsm.UserPin };
        var imported = await SmimeCli.RunAsync(
            ["certs", "import-signer", "--pkcs11", keys.EcUri, "--module", SoftHsm.ModulePath, "--certificate", _temp.File("signer.pem"), "--store", store],
            environment);

        Assert.True(imported.ExitCode == 0, imported.Describe());
        Assert.Contains(address, imported.StdoutText, StringComparison.Ordinal);
        var files = Directory.GetFiles(Path.Combine(store, "signers", address));
        Assert.Contains(files, f => f.EndsWith(".pkcs11", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.EndsWith(".key.pem", StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain(SoftHsm.UserPin, File.ReadAllText(f), StringComparison.Ordinal));

        var list = await SmimeCli.RunAsync(["certs", "list", "--json", "--store", store]);
        Assert.True(list.ExitCode == 0, list.Describe());
        var signer = JsonDocument.Parse(list.StdoutText).RootElement.EnumerateArray().Single(r => r.GetProperty("Kind").GetString() == "signer");
        Assert.Equal("pkcs11", signer.GetProperty("Key").GetString());
        Assert.StartsWith("pkcs11:token=" + keys.Token, signer.GetProperty("KeyUri").GetString(), StringComparison.Ordinal);
        var table = await SmimeCli.RunAsync(["certs", "list", "--store", store]);
        Assert.Contains("pkcs11:token=" + keys.Token, table.StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_pin_source_the_import_fails_in_one_line_naming_the_ways_to_give_it()
    {
        var keys = await PipelineToken.GetAsync();
        var result = await SmimeCli.RunAsync(
            ["certs", "import-signer", "--pkcs11", keys.RsaUri, "--module", SoftHsm.ModulePath, "--store", _temp.File("store")],
            new Dictionary<string, string>(SoftHsm.Environment) { ["SMIME_PKCS11_PIN"] = "" },
            stdin: []);

        Assert.Equal(1, result.ExitCode);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("SMIME_PKCS11_PIN", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--pin-stdin", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pin_in_the_uri_is_refused_before_anything_is_written()
    {
        var result = await SmimeCli.RunAsync(
            ["certs", "import-signer", "--pkcs11", "pkcs11:token=t;object=k?pin-value=123456", "--store", _temp.File("store")],
            SoftHsm.Environment);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("pin-value", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_temp.File("store"), "signers")));
    }

    public void Dispose() => _temp.Dispose();
}
