using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 15: <c>smime protect</c>, run as the built CLI, validates recipients exactly as the signer worker does,
/// because both come from one registration: it refuses a recipient revoked by an imported CRL or by OCSP, and
/// encrypts to a correspondent filed by <c>smime certs harvest</c>.
/// </summary>
public sealed class ProtectValidationTests : IClassFixture<DemoPkiFixture>, IDisposable
{
    private readonly DemoPki _pki;
    private readonly TempDirectory _temp = new();
    private readonly string _store;

    public ProtectValidationTests(DemoPkiFixture fixture)
    {
        _pki = fixture.Pki;
        _store = Path.Combine(_temp.Path, "store");
        DirectoryCopy.Copy(_pki.StorePath, _store);
    }

    [Fact]
    public async Task Protect_refuses_a_recipient_revoked_by_an_imported_crl_and_writes_nothing()
    {
        var carol = _pki.RecipientAddresses[2];
        var alice = _pki.RecipientAddresses[0];
        await Ok("certs", "trust", _pki.CaCertificatePath, "--store", _store);
        await Ok("certs", "import", _pki.CertificatePath(carol), "--store", _store);
        using (var carolCertificate = X509CertificateLoader.LoadCertificateFromFile(_pki.CertificatePath(carol)))
        {
            await Ok("certs", "import-crl", WriteCrl(carolCertificate), "--store", _store);
        }

        var (result, output) = await ProtectAsync(carol, "crl-revoked-body-4e1a");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("revoked", line, StringComparison.Ordinal);
        Assert.Contains(carol, line, StringComparison.Ordinal);
        Assert.DoesNotContain("crl-revoked-body-4e1a", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));

        // The CRL is the reason, not a broken store: a recipient the same CRL does not list is still served.
        var (served, servedOutput) = await ProtectAsync(alice, "crl-good-body-77b0");
        Assert.True(served.ExitCode == 0, served.Describe());
        var content = await OpenSslJudge.DecryptAndVerifyAsync(servedOutput, _pki.CertificatePath(alice), _pki.KeyPath(alice), _pki.CaCertificatePath);
        Assert.Contains("crl-good-body-77b0", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protect_refuses_a_recipient_revoked_by_ocsp_and_writes_nothing()
    {
        using var authority = _pki.LoadAuthority();
        await using var responder = await OcspResponder.StartAsync(authority);
        const string dave = "dave@" + DemoPki.Domain;
        const string erin = "erin@" + DemoPki.Domain;
        using var daveCertificate = responder.Issue(dave);
        using var erinCertificate = responder.Issue(erin);
        await Ok("certs", "import", WritePem(daveCertificate, "dave"), "--store", _store);
        await Ok("certs", "import", WritePem(erinCertificate, "erin"), "--store", _store);
        responder.Revoke(daveCertificate);

        var (result, output) = await ProtectAsync(dave, "ocsp-revoked-body-2c9d");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // The whole line on failure: Assert.Contains cuts it before the reason (an unreachable responder says why).
        Assert.True(line.Contains("revoked", StringComparison.Ordinal) && line.Contains(dave, StringComparison.Ordinal), line);
        Assert.Contains("OCSP", line, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(output));
        Assert.True(responder.Requests > 0, "smime protect never asked the OCSP responder.");

        // The same responder answering "good" lets the mail through.
        var (served, servedOutput) = await ProtectAsync(erin, "ocsp-good-body-90aa");
        Assert.True(served.ExitCode == 0, served.Describe());
        Assert.True(File.Exists(servedOutput));
    }

    [Fact]
    public async Task A_harvested_correspondent_becomes_encryptable_and_openssl_decrypts_the_result()
    {
        const string frank = "frank@" + DemoPki.Domain;
        using var authority = _pki.LoadAuthority();
        using (var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(frank)))
        {
            DemoPki.WritePem(identity, _temp.File("frank.crt.pem"), _temp.File("frank.key.pem"));
        }

        var before = await ProtectAsync(frank, "before-harvest");
        Assert.Equal(2, before.Result.ExitCode);
        Assert.Contains(frank, before.Result.Stderr, StringComparison.Ordinal);

        await File.WriteAllTextAsync(_temp.File("note.txt"), "My certificate, for your statements.\n");
        var signed = _temp.File("frank-signed.eml");
        var sign = await ExternalTool.RunAsync("openssl", [
            "cms", "-sign", "-in", _temp.File("note.txt"), "-text", "-signer", _temp.File("frank.crt.pem"), "-inkey", _temp.File("frank.key.pem"),
            "-from", frank, "-to", _pki.SenderAddress, "-subject", "My key", "-out", signed]);
        Assert.True(sign.ExitCode == 0, sign.Stderr);
        await Ok("certs", "harvest", signed, "--store", _store);

        var (result, output) = await ProtectAsync(frank, "after-harvest-body-5d21");

        Assert.True(result.ExitCode == 0, result.Describe());
        var content = await OpenSslJudge.DecryptAndVerifyAsync(output, _temp.File("frank.crt.pem"), _temp.File("frank.key.pem"), _pki.CaCertificatePath);
        Assert.Contains("after-harvest-body-5d21", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Protect_digest_and_revocation_options_reach_the_engine()
    {
        var alice = _pki.RecipientAddresses[0];
        var (result, output) = await ProtectAsync(alice, "digest-body-1f00", "--digest", "sha512", "--revocation", "Off");

        Assert.True(result.ExitCode == 0, result.Describe());
        var decrypted = await ExternalTool.RunAsync("openssl", ["cms", "-decrypt", "-recip", _pki.CertificatePath(alice), "-inkey", _pki.KeyPath(alice), "-in", output]);
        Assert.True(decrypted.ExitCode == 0, decrypted.Stderr);
        Assert.Contains("micalg=sha-512", Encoding.ASCII.GetString(decrypted.Stdout).Replace("\"", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        var invalid = await SmimeCli.RunAsync(["protect", _temp.File("in-digest-body-1f00.eml"), "-o", _temp.File("x.eml"), "--store", _store, "--revocation", "Sometimes"]);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.False(File.Exists(_temp.File("x.eml")));
    }

    public void Dispose() => _temp.Dispose();

    private async Task<(ToolResult Result, string Output)> ProtectAsync(string recipient, string body, params string[] options)
    {
        var input = _temp.File($"in-{body}.eml");
        var output = _temp.File($"out-{body}.eml");
        await File.WriteAllTextAsync(input,
            $"From: Sender <{_pki.SenderAddress}>\r\nTo: <{recipient}>\r\nSubject: Statement\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n" +
            $"Message-ID: <{Guid.NewGuid():N}@test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
            Encoding.UTF8);
        var result = await SmimeCli.RunAsync(["protect", input, "-o", output, "--store", _store, .. options]);
        return (result, output);
    }

    private static async Task<ToolResult> Ok(params string[] arguments)
    {
        var result = await SmimeCli.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"smime {string.Join(' ', arguments)} failed: {result.Stderr}");
        return result;
    }

    private string WriteCrl(X509Certificate2 revoked)
    {
        using var authority = _pki.LoadAuthority();
        var now = DateTimeOffset.UtcNow;
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(revoked, now.AddMinutes(-5), X509RevocationReason.KeyCompromise);
        var crl = builder.Build(authority, BigInteger.One, now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddMinutes(-1));
        var path = _temp.File("ca.crl");
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", crl));
        return path;
    }

    private string WritePem(X509Certificate2 certificate, string name)
    {
        var path = _temp.File(name + ".crt.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }
}
