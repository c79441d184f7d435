using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>
/// Harvesting from mail signed by OpenSSL (<c>openssl cms -sign</c>, which adds SMIMECapabilities): the
/// intermediate comes from the message, only the root is in the directory.
/// </summary>
public sealed class HarvestTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly TempDirectory _temp = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly SqliteRecipientDirectory _directory;
    private readonly CertificateHarvester _harvester;

    public HarvestTests(TestPki pki)
    {
        _pki = pki;
        _directory = new SqliteRecipientDirectory(_temp.File("directory.sqlite"));
        _directory.Add(pki.Root, DirectoryEntryKind.Anchor);
        var validator = new CertificateValidator(_directory, new RevocationChecker(_directory, _http));
        _harvester = new CertificateHarvester(_directory, validator);
    }

    [Fact]
    public async Task A_mail_signed_by_openssl_is_harvested_with_its_smime_capabilities()
    {
        using var signer = _pki.Issue("harvested");
        var mail = await SignAsync(signer, "harvested@" + TestPki.Domain, "Hello, here is my certificate.");

        using var stream = new MemoryStream(mail);
        var result = _harvester.Harvest(stream);

        Assert.Equal("harvested@" + TestPki.Domain, result.Address);
        Assert.True(result.HasCapabilities);
        var entry = Assert.Single(_directory.Find("harvested@" + TestPki.Domain));
        Assert.Equal(signer.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant(), entry.Thumbprint);
        Assert.NotNull(_directory.GetSmimeCapabilities(entry.Address, entry.Thumbprint));
        // The capabilities are the DER SEQUENCE OpenSSL signed (RFC 8551 §2.5.2).
        Assert.Equal(0x30, entry.SmimeCapabilities![0]);
    }

    [Fact]
    public async Task A_tampered_mail_is_refused_and_nothing_is_stored()
    {
        using var signer = _pki.Issue("tampered");
        var mail = Encoding.ASCII.GetString(await SignAsync(signer, "tampered@" + TestPki.Domain, "Pay invoice 1000 EUR."));
        Assert.Contains("1000 EUR", mail, StringComparison.Ordinal);
        var tampered = Encoding.ASCII.GetBytes(mail.Replace("1000 EUR", "9000 EUR", StringComparison.Ordinal));

        using var stream = new MemoryStream(tampered);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => _harvester.Harvest(stream));

        Assert.Equal("invalid-message", refusal.ReasonCode);
        Assert.Contains("does not verify", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(_directory.Find("tampered@" + TestPki.Domain));
    }

    [Fact]
    public async Task A_signer_that_is_not_the_from_address_is_refused()
    {
        using var signer = _pki.Issue("real-signer");
        var mail = await SignAsync(signer, "impostor@" + TestPki.Domain, "I am someone else.");

        using var stream = new MemoryStream(mail);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => _harvester.Harvest(stream));

        Assert.Equal("address-not-in-certificate", refusal.ReasonCode);
        Assert.Empty(_directory.Find("impostor@" + TestPki.Domain));
        Assert.Empty(_directory.Find("real-signer@" + TestPki.Domain));
    }

    [Fact]
    public async Task A_mail_signed_under_an_untrusted_root_is_refused()
    {
        using var signer = _pki.Issue("untrusted-sender", crl: false, issuer: _pki.ForeignRoot);
        var mail = await SignAsync(signer, "untrusted-sender@" + TestPki.Domain, "Trust me.");

        using var stream = new MemoryStream(mail);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => _harvester.Harvest(stream));

        Assert.Equal("chain-not-trusted", refusal.ReasonCode);
        Assert.Empty(_directory.Find("untrusted-sender@" + TestPki.Domain));
    }

    public void Dispose()
    {
        _directory.Dispose();
        _http.Dispose();
        _temp.Dispose();
    }

    private async Task<byte[]> SignAsync(X509Certificate2 signer, string from, string body)
    {
        string name = Guid.NewGuid().ToString("N");
        string certificate = _temp.File(name + ".crt.pem");
        string key = _temp.File(name + ".key.pem");
        string chain = _temp.File(name + ".chain.pem");
        string input = _temp.File(name + ".txt");
        string output = _temp.File(name + ".eml");
        using (var rsa = signer.GetRSAPrivateKey()!)
        {
            await File.WriteAllTextAsync(key, rsa.ExportPkcs8PrivateKeyPem());
        }

        await File.WriteAllTextAsync(certificate, signer.ExportCertificatePem());
        await File.WriteAllTextAsync(chain, _pki.Intermediate.ExportCertificatePem());
        await File.WriteAllTextAsync(input, body + "\n");
        var result = await ExternalTool.RunAsync("openssl", [
            "cms", "-sign", "-in", input, "-text", "-signer", certificate, "-inkey", key, "-certfile", chain,
            "-from", from, "-to", "intake@" + TestPki.Domain, "-subject", "My certificate", "-out", output]);
        Assert.True(result.ExitCode == 0, "openssl cms -sign failed: " + result.Stderr);
        return await File.ReadAllBytesAsync(output);
    }
}
