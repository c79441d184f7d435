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
    public async Task Protect_signs_with_the_key_in_the_token_and_openssl_verifies_the_mail()
    {
        // import-signer --pkcs11, then smime protect as a real process with the worker's own settings in its
        // environment (module path, PIN file): the signature is made in the token, OpenSSL decrypts and verifies it.
        var keys = await PipelineToken.GetAsync();
        var pki = DemoPki.EnsureCreated(_temp.File("pki"));
        string store = _temp.File("store");
        DirectoryCopy.Copy(pki.StorePath, store);
        string address = "hsm-protect@" + DemoPki.Domain;
        using (var authority = pki.LoadAuthority())
        using (var certificate = TokenCertificates.Issue(authority, address, keys.RsaPublicKey))
        {
            await File.WriteAllTextAsync(_temp.File("hsm-signer.pem"), PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n" + await File.ReadAllTextAsync(pki.CaCertificatePath));
        }

        var imported = await SmimeCli.RunAsync(
            ["certs", "import-signer", "--pkcs11", keys.RsaUri, "--module", SoftHsm.ModulePath, "--certificate", _temp.File("hsm-signer.pem"), "--store", store],
            new Dictionary<string, string>(SoftHsm.Environment) { ["SMIME_PKCS11_PIN"] = SoftHsm.UserPin });
        Assert.True(imported.ExitCode == 0, imported.Describe());

        string pinFile = _temp.File("pin");
        await File.WriteAllTextAsync(pinFile, SoftHsm.UserPin + "\n");
        string recipient = pki.RecipientAddresses[0];
        string input = _temp.File("in.eml"), output = _temp.File("out.eml");
        await File.WriteAllTextAsync(
            input,
            $"From: <{address}>\r\nTo: <{recipient}>\r\nSubject: Statement\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hsm-protect@test>\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsigned-in-the-token-4e1f\r\n");
        var environment = new Dictionary<string, string>(SoftHsm.Environment)
        {
            ["SmimePipeline__Signer__Pkcs11__ModulePath"] = SoftHsm.ModulePath,
            ["SmimePipeline__Signer__Pkcs11__PinFile"] = pinFile,
            ["SMIME_PKCS11_PIN"] = "",
        };

        var result = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", store], environment);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.Contains("signature sha256WithRSAEncryption", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(SoftHsm.UserPin, result.Stderr + result.StdoutText, StringComparison.Ordinal);
        string content = await OpenSslJudge.DecryptAndVerifyAsync(output, pki.CertificatePath(recipient), pki.KeyPath(recipient), pki.CaCertificatePath);
        Assert.Contains("signed-in-the-token-4e1f", content, StringComparison.Ordinal);

        // Without a module anywhere the signer's key cannot be opened: refused in one line that names the setting, no output.
        environment.Remove("SmimePipeline__Signer__Pkcs11__ModulePath");
        File.Delete(output);
        var refused = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", store], environment);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("ModulePath", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
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
