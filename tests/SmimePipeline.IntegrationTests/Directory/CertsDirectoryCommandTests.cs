using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.CertificateDirectory;

/// <summary><c>smime certs</c> on the recipient directory, run as the built CLI: SQLite by default, PostgreSQL with --postgres.</summary>
public sealed class CertsDirectoryCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DemoPki _pki;
    private readonly string _store;

    public CertsDirectoryCommandTests()
    {
        _pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));
        _store = Path.Combine(_temp.Path, "store");
    }

    [Fact]
    public async Task Trust_import_list_show_expiring_and_remove_work_on_the_sqlite_directory()
    {
        var alice = _pki.RecipientAddresses[0];
        await Ok("certs", "trust", _pki.CaCertificatePath, "--store", _store);
        await Ok("certs", "import", _pki.CertificatePath(alice), "--store", _store);
        await Ok("certs", "import-crl", WriteCrl(), "--store", _store);

        using var list = JsonDocument.Parse((await Ok("certs", "list", "--json", "--store", _store)).StdoutText);
        var kinds = list.RootElement.EnumerateArray().Select(e => e.GetProperty("Kind").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["anchor", "recipient"], kinds);

        var table = (await Ok("certs", "show", alice.ToUpperInvariant().Replace("ALICE", "alice", StringComparison.Ordinal), "--store", _store)).StdoutText;
        Assert.Contains(alice, table, StringComparison.Ordinal);
        Assert.Contains("EXPIRES", table, StringComparison.Ordinal);

        using var soon = JsonDocument.Parse((await Ok("certs", "expiring", "--days", "1", "--json", "--store", _store)).StdoutText);
        Assert.Equal(0, soon.RootElement.GetArrayLength());
        using var later = JsonDocument.Parse((await Ok("certs", "expiring", "--days", "1000", "--json", "--store", _store)).StdoutText);
        Assert.Equal(alice, Assert.Single(later.RootElement.EnumerateArray()).GetProperty("Address").GetString());

        Assert.Contains("Removed 1", (await Ok("certs", "remove", alice, "--store", _store)).StdoutText, StringComparison.Ordinal);
        var again = await SmimeCli.RunAsync(["certs", "remove", alice, "--store", _store]);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Nothing in the directory matches", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_and_show_work_on_postgres()
    {
        var bob = _pki.RecipientAddresses[1];
        string postgres = TestServices.PostgresConnectionString;
        await Ok("certs", "import", _pki.CertificatePath(bob), "--postgres", postgres);
        using var shown = JsonDocument.Parse((await Ok("certs", "show", bob, "--json", "--postgres", postgres)).StdoutText);
        var thumbprints = shown.RootElement.EnumerateArray().Select(e => e.GetProperty("Thumbprint").GetString()).ToList();
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(_pki.CertificatePath(bob)));
        Assert.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(), thumbprints);
        // Nothing was written to a local store: PostgreSQL is the directory.
        Assert.False(File.Exists(Path.Combine(_store, "directory.sqlite")));
        await Ok("certs", "remove", certificate.GetCertHashString(HashAlgorithmName.SHA256), "--postgres", postgres);
    }

    [Fact]
    public async Task Import_trust_and_crl_write_to_the_tables_the_workers_read_under_their_table_prefix()
    {
        // The worker's settings in the command's environment, as on a signer's pod: a PostgreSQL directory under a table
        // prefix of its own. Before session 20 import, trust and import-crl opened the directory themselves with the
        // default prefix and wrote to tables the workers never read.
        var erin = _pki.RecipientAddresses[^1];
        string prefix = "cli" + Guid.NewGuid().ToString("N")[..10] + "_";
        var worker = new Dictionary<string, string>
        {
            ["SmimePipeline__Directory__Provider"] = "Postgres",
            ["SmimePipeline__Directory__Postgres"] = TestServices.PostgresConnectionString,
            ["SmimePipeline__Directory__TablePrefix"] = prefix,
            ["SMIME_STORE"] = _store,
        };

        await Ok(worker, "certs", "trust", _pki.CaCertificatePath);
        await Ok(worker, "certs", "import", _pki.CertificatePath(erin));
        var crl = (await Ok(worker, "certs", "import-crl", WriteCrl())).StdoutText;
        string crlSha256 = crl[(crl.LastIndexOf("SHA-256 ", StringComparison.Ordinal) + "SHA-256 ".Length)..].Trim().TrimEnd(')');

        using (var workers = new PostgresRecipientDirectory(TestServices.PostgresConnectionString, prefix))
        {
            Assert.Contains(workers.Find(erin), e => e.Kind == DirectoryEntryKind.Recipient);
            Assert.Contains(workers.List(), e => e.Kind == DirectoryEntryKind.Anchor);
        }

        // Nothing went to a SQLite file in the store (the default prefix's tables are shared with other tests: not asserted).
        Assert.False(File.Exists(Path.Combine(_store, "directory.sqlite")));
        Assert.Contains("Removed", (await Ok(worker, "certs", "remove-crl", crlSha256)).StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Harvest_files_an_openssl_signed_mail_and_refuses_a_tampered_one()
    {
        var carol = _pki.RecipientAddresses[2];
        await Ok("certs", "trust", _pki.CaCertificatePath, "--store", _store);
        var body = Path.Combine(_temp.Path, "body.txt");
        await File.WriteAllTextAsync(body, "Here is my certificate, amount 100.\n");
        var signed = Path.Combine(_temp.Path, "signed.eml");
        var sign = await ExternalTool.RunAsync("openssl", [
            "cms", "-sign", "-in", body, "-text", "-signer", _pki.CertificatePath(carol), "-inkey", _pki.KeyPath(carol),
            "-from", carol, "-to", "intake@" + DemoPki.Domain, "-subject", "My key", "-out", signed]);
        Assert.True(sign.ExitCode == 0, sign.Stderr);

        var tampered = Path.Combine(_temp.Path, "tampered.eml");
        await File.WriteAllTextAsync(tampered, (await File.ReadAllTextAsync(signed)).Replace("amount 100", "amount 900", StringComparison.Ordinal), Encoding.ASCII);
        var refused = await SmimeCli.RunAsync(["certs", "harvest", tampered, "--store", _store]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("refused (invalid-message)", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(carol, (await Ok("certs", "list", "--store", _store)).StdoutText, StringComparison.Ordinal);

        Assert.Contains("with SMIMECapabilities", (await Ok("certs", "harvest", signed, "--store", _store)).StdoutText, StringComparison.Ordinal);
        using var shown = JsonDocument.Parse((await Ok("certs", "show", carol, "--json", "--store", _store)).StdoutText);
        Assert.True(Assert.Single(shown.RootElement.EnumerateArray()).GetProperty("HasSmimeCapabilities").GetBoolean());
    }

    public void Dispose() => _temp.Dispose();

    private static Task<ToolResult> Ok(params string[] arguments) => Ok(null, arguments);

    private static async Task<ToolResult> Ok(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var result = await SmimeCli.RunAsync(arguments, environment);
        Assert.True(result.ExitCode == 0, $"smime {string.Join(' ', arguments)} failed: {result.Stderr}");
        return result;
    }

    private string WriteCrl()
    {
        using var authority = _pki.LoadAuthority();
        var now = DateTimeOffset.UtcNow;
        var crl = new CertificateRevocationListBuilder().Build(authority, System.Numerics.BigInteger.One, now.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, now);
        var path = Path.Combine(_temp.Path, "ca.crl");
        File.WriteAllText(path, PemEncoding.WriteString("X509 CRL", crl));
        return path;
    }
}
