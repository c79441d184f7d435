using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 13, the certificate side, attacked through the real <c>smime</c> process: forged CRLs, addresses that
/// cannot be filed, a leaf offered as a trust anchor, garbage files and an unreachable broker. Each answer is one
/// line on stderr naming the cause, with the documented exit code (1 files/usage, 2 refused), and nothing refused
/// is stored.
/// </summary>
public sealed class CertsHostileInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DemoPki _pki;
    private readonly string _store;

    public CertsHostileInputTests()
    {
        _pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));
        _store = Path.Combine(_temp.Path, "store");
    }

    [Fact]
    public async Task Import_crl_refuses_a_forged_crl_and_remove_crl_removes_a_genuine_one()
    {
        await Ok("certs", "trust", _pki.CaCertificatePath, "--store", _store);
        using var authority = _pki.LoadAuthority();
        using var forger = Forge(authority.SubjectName);

        var forged = await SmimeCli.RunAsync(["certs", "import-crl", WriteCrl(forger, "rogue.crl"), "--store", _store]);

        AssertOneLine(forged, 2, "crl-signature-invalid");
        Assert.DoesNotContain("Imported", forged.StdoutText, StringComparison.Ordinal);
        Assert.Empty(CrlsInDirectory(authority));

        var genuine = await Ok("certs", "import-crl", WriteCrl(authority, "ca.crl"), "--store", _store);
        string sha256 = genuine.StdoutText.Split("SHA-256 ")[1].Trim().TrimEnd(')');
        Assert.Single(CrlsInDirectory(authority));

        Assert.Contains("Removed 1", (await Ok("certs", "remove-crl", sha256, "--store", _store)).StdoutText, StringComparison.Ordinal);
        Assert.Empty(CrlsInDirectory(authority));
        AssertOneLine(await SmimeCli.RunAsync(["certs", "remove-crl", sha256, "--store", _store]), 1, "No imported CRL");

        await Ok("certs", "import-crl", WriteCrl(authority, "ca2.crl"), "--store", _store);
        Assert.Contains("Removed 1", (await Ok("certs", "remove-crl", authority.Subject, "--store", _store)).StdoutText, StringComparison.Ordinal);
        Assert.Empty(CrlsInDirectory(authority));
    }

    [Fact]
    public async Task Import_crl_refuses_a_crl_of_an_untrusted_issuer()
    {
        using var authority = _pki.LoadAuthority();
        var result = await SmimeCli.RunAsync(["certs", "import-crl", WriteCrl(authority, "ca.crl"), "--store", _store]);
        AssertOneLine(result, 2, "crl-issuer-unknown");
    }

    [Theory]
    [InlineData("../../../tmp/pwn-i13@x")]
    [InlineData("a/b@x")]
    [InlineData(".hidden@x")]
    public async Task Import_of_an_address_that_cannot_be_filed_stores_nothing(string address)
    {
        using var authority = _pki.LoadAuthority();
        using var leaf = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(address));
        var file = Path.Combine(_temp.Path, "hostile.pem");
        await File.WriteAllTextAsync(file, PemEncoding.WriteString("CERTIFICATE", leaf.RawData));

        var result = await SmimeCli.RunAsync(["certs", "import", file, "--store", _store]);

        AssertOneLine(result, 2, "cannot be filed");
        Assert.Contains(address, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(DirectoryEntries());
        Assert.False(Directory.Exists(Path.Combine(_store, "recipients")) && Directory.EnumerateFileSystemEntries(Path.Combine(_store, "recipients")).Any());
        Assert.False(Directory.Exists("/tmp/pwn-i13@x"));
    }

    [Fact]
    public async Task Trust_refuses_a_leaf_unless_forced()
    {
        var alice = _pki.CertificatePath(_pki.RecipientAddresses[0]);

        var refused = await SmimeCli.RunAsync(["certs", "trust", alice, "--store", _store]);

        AssertOneLine(refused, 2, "anchor-not-ca");
        Assert.Empty(DirectoryEntries());

        var forced = await Ok("certs", "trust", alice, "--force", "--store", _store);
        Assert.Contains("warning", forced.Stderr, StringComparison.Ordinal);
        Assert.Contains("anchor", (await Ok("certs", "list", "--store", _store)).StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Garbage_files_give_one_line_naming_the_file_and_exit_1()
    {
        var random = Path.Combine(_temp.Path, "random.bin");
        await File.WriteAllBytesAsync(random, RandomNumberGenerator.GetBytes(700));
        var badPem = Path.Combine(_temp.Path, "bad.pem");
        await File.WriteAllTextAsync(badPem, "-----BEGIN CERTIFICATE-----\nMIIB!!not base64!!\n-----END CERTIFICATE-----\n");
        var badCrlPem = Path.Combine(_temp.Path, "bad.crl");
        await File.WriteAllTextAsync(badCrlPem, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        var missing = Path.Combine(_temp.Path, "missing.pem");

        foreach (var arguments in new[]
        {
            new[] { "certs", "import", random },
            ["certs", "import", badPem],
            ["certs", "trust", random],
            ["certs", "import-crl", random],
            ["certs", "import-crl", badCrlPem],
            ["certs", "import", missing],
        })
        {
            var result = await SmimeCli.RunAsync([.. arguments, "--store", _store]);
            AssertOneLine(result, 1, Path.GetFileName(arguments[2]));
        }
    }

    [Fact]
    public async Task An_unreachable_broker_gives_one_line_without_the_password()
    {
        var mail = Path.Combine(_temp.Path, "mail.eml");
        await File.WriteAllTextAsync(mail, $"From: {_pki.SenderAddress}\r\nTo: {_pki.RecipientAddresses[0]}\r\nSubject: hi\r\n\r\nhello\r\n");
        using var closed = new RefusedTcpPort();
        int port = closed.Port;
        string broker = $"amqp://guest:s3cret-i13@127.0.0.1:{port}/";

        foreach (var arguments in new[] { new[] { "publish", mail, "--rabbitmq", broker }, ["dlq", "list", "--rabbitmq", broker] })
        {
            var result = await SmimeCli.RunAsync(arguments);
            Assert.True(result.ExitCode == 1, result.Describe());
            Assert.DoesNotContain("s3cret-i13", result.Stderr + result.StdoutText, StringComparison.Ordinal);
            AssertNoTrace(result);
        }
    }

    public void Dispose() => _temp.Dispose();

    private static void AssertOneLine(ToolResult result, int exitCode, string cause)
    {
        Assert.True(result.ExitCode == exitCode, result.Describe());
        AssertNoTrace(result);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("smime: ", line, StringComparison.Ordinal);
        Assert.Contains(cause, line, StringComparison.Ordinal);
    }

    private static void AssertNoTrace(ToolResult result)
    {
        Assert.DoesNotContain("Unhandled exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    private static async Task<ToolResult> Ok(params string[] arguments)
    {
        var result = await SmimeCli.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"smime {string.Join(' ', arguments)} failed: {result.Describe()}");
        return result;
    }

    /// <summary>A CA with the same name as <paramref name="name"/> and another key: what a forger has.</summary>
    private static X509Certificate2 Forge(X500DistinguishedName name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    private string WriteCrl(X509Certificate2 issuer, string name)
    {
        var now = DateTimeOffset.UtcNow;
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(RandomSerialNumber.Create(), now.AddDays(-1));
        var crl = builder.Build(issuer, new BigInteger(RandomNumberGenerator.GetInt32(1, int.MaxValue)), now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now.AddMinutes(-1));
        var path = Path.Combine(_temp.Path, name);
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", crl), Encoding.ASCII);
        return path;
    }

    /// <summary>What the SQLite directory holds; nothing when a refused command did not even create it.</summary>
    private IReadOnlyList<DirectoryEntry> DirectoryEntries()
    {
        string file = Path.Combine(_store, "directory.sqlite");
        if (!File.Exists(file))
        {
            return [];
        }

        using var directory = new SqliteRecipientDirectory(file);
        return directory.List();
    }

    private IReadOnlyList<byte[]> CrlsInDirectory(X509Certificate2 authority)
    {
        using var directory = new SqliteRecipientDirectory(Path.Combine(_store, "directory.sqlite"));
        return directory.GetRevocationLists(authority.SubjectName);
    }
}
