using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>
/// Issue 13 item 3: a CRL is verified against a trusted issuer at import, and revocation checking never counts one
/// that is not (defence in depth, for rows written some other way). The directory is SQLite; the PKI is
/// <see cref="TestPki"/> (root, intermediate, and a foreign root that is not trusted).
/// </summary>
public sealed class RevocationListImportTests : IClassFixture<TestPki>, IDisposable
{
    private readonly TestPki _pki;
    private readonly TempDirectory _temp = new();
    private readonly SqliteRecipientDirectory _directory;

    public RevocationListImportTests(TestPki pki)
    {
        _pki = pki;
        _directory = new SqliteRecipientDirectory(Path.Combine(_temp.Path, "directory.sqlite"));
        _directory.Add(pki.Root, DirectoryEntryKind.Anchor);
        _directory.Add(pki.Intermediate, DirectoryEntryKind.Intermediate);
    }

    [Fact]
    public void A_genuine_crl_of_a_trusted_intermediate_is_imported_and_removed_by_hash_or_by_issuer()
    {
        byte[] crl = Crl(_pki.Intermediate);

        var verified = _directory.AddRevocationList(crl);

        Assert.Equal(_pki.Intermediate.SubjectName.Name, verified.IssuerName);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(crl)), verified.Sha256);
        Assert.Equal(1, verified.RevokedCount);
        Assert.Single(_directory.GetRevocationLists(_pki.Intermediate.SubjectName));
        Assert.Equal(1, _directory.RemoveRevocationLists(verified.Sha256.ToUpperInvariant()));
        Assert.Empty(_directory.GetRevocationLists(_pki.Intermediate.SubjectName));

        _directory.AddRevocationList(Crl(_pki.Intermediate));
        _directory.AddRevocationList(Crl(_pki.Intermediate));
        Assert.Equal(2, _directory.RemoveRevocationLists(_pki.Intermediate.Subject));
        Assert.Equal(0, _directory.RemoveRevocationLists(_pki.Intermediate.Subject));
    }

    [Fact]
    public void A_forged_crl_with_the_issuer_name_and_another_key_is_refused_and_not_stored()
    {
        using var forger = CreateCa(_pki.Intermediate.SubjectName, X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign);

        var refusal = Assert.Throws<CertificateRefusedException>(() => _directory.AddRevocationList(Crl(forger)));

        Assert.Equal("crl-signature-invalid", refusal.ReasonCode);
        Assert.Contains(_pki.Intermediate.SubjectName.Name, refusal.Message, StringComparison.Ordinal);
        Assert.Empty(_directory.GetRevocationLists(_pki.Intermediate.SubjectName));
    }

    [Fact]
    public void A_crl_of_an_issuer_that_is_not_trusted_is_refused() =>
        Assert.Equal("crl-issuer-unknown", Assert.Throws<CertificateRefusedException>(() => _directory.AddRevocationList(Crl(_pki.ForeignRoot))).ReasonCode);

    [Fact]
    public void A_crl_of_a_ca_whose_key_usage_lacks_crl_sign_is_refused()
    {
        using var noCrlSign = CreateCa(new X500DistinguishedName("CN=No CRL Sign CA, O=SmimePipeline Tests"), X509KeyUsageFlags.KeyCertSign, _pki.Root);
        _directory.Add(noCrlSign, DirectoryEntryKind.Intermediate);

        var refusal = Assert.Throws<CertificateRefusedException>(() => _directory.AddRevocationList(Crl(noCrlSign)));

        Assert.Equal("crl-sign-not-allowed", refusal.ReasonCode);
        Assert.Contains("cRLSign", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_crl_issued_in_the_future_or_already_stale_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal("crl-not-yet-valid", Assert.Throws<CertificateRefusedException>(() => _directory.AddRevocationList(Crl(_pki.Intermediate, now.AddHours(2), now.AddDays(2)))).ReasonCode);
        Assert.Equal("crl-stale", Assert.Throws<CertificateRefusedException>(() => _directory.AddRevocationList(Crl(_pki.Intermediate, now.AddDays(-3), now.AddDays(-1)))).ReasonCode);
        Assert.Empty(_directory.GetRevocationLists(_pki.Intermediate.SubjectName));
    }

    [Fact]
    public void Garbage_is_not_a_crl() =>
        Assert.Throws<InvalidDataException>(() => _directory.AddRevocationList(RandomNumberGenerator.GetBytes(300)));

    [Fact]
    public void A_forged_crl_written_past_import_neither_revokes_nor_makes_the_status_unknown()
    {
        using var certificate = _pki.Issue("forged-crl-target", crl: false);
        using var forger = CreateCa(_pki.Intermediate.SubjectName, X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign);
        InsertPastImport(Crl(forger, revoked: certificate));
        InsertPastImport(RandomNumberGenerator.GetBytes(64));
        using var http = new HttpClient();
        var checker = new RevocationChecker(_directory, http);

        Assert.Equal(RevocationStatusKind.NoSource, checker.Check(certificate, _pki.Intermediate).Kind);

        _directory.AddRevocationList(Crl(_pki.Intermediate));
        Assert.Equal(RevocationStatusKind.Good, new RevocationChecker(_directory, http).Check(certificate, _pki.Intermediate).Kind);
    }

    [Theory]
    [InlineData("../../../tmp/pwn@x")]
    [InlineData("a/b@x")]
    [InlineData(".hidden@x")]
    [InlineData("a\\b@x")]
    public void The_directory_refuses_what_the_file_store_cannot_file(string address)
    {
        using var certificate = IssueTo(address);

        var refusal = Assert.Throws<ArgumentException>(() => _directory.Add(certificate, DirectoryEntryKind.Recipient));

        Assert.Contains("cannot be filed", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_directory.List(), e => e.Kind == DirectoryEntryKind.Recipient);
        Assert.NotNull(CertificateAddresses.FindUnfileableReason(address));
    }

    public void Dispose()
    {
        _directory.Dispose();
        _temp.Dispose();
    }

    private static byte[] Crl(X509Certificate2 issuer, DateTimeOffset? thisUpdate = null, DateTimeOffset? nextUpdate = null, X509Certificate2? revoked = null)
    {
        var now = DateTimeOffset.UtcNow;
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(revoked is null ? RandomSerialNumber.Create() : Convert.FromHexString(revoked.SerialNumber), now.AddDays(-1));
        var issued = thisUpdate ?? now.AddMinutes(-1);
        // The generator overload: the issuer overload itself refuses a CA without cRLSign, which one test needs.
        using var key = issuer.GetRSAPrivateKey()!;
        return builder.Build(
            issuer.SubjectName,
            X509SignatureGenerator.CreateForRSA(key, RSASignaturePadding.Pkcs1),
            new BigInteger(RandomNumberGenerator.GetInt32(1, int.MaxValue)),
            nextUpdate ?? issued.AddDays(7),
            HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false),
            issued);
    }

    private static X509Certificate2 CreateCa(X500DistinguishedName name, X509KeyUsageFlags usage, X509Certificate2? issuer = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        if (issuer is null)
        {
            return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var certificate = request.Create(issuer, now.AddDays(-1), now.AddYears(1), RandomSerialNumber.Create());
        return certificate.CopyWithPrivateKey(key);
    }

    private X509Certificate2 IssueTo(string address)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=hostile, O=SmimePipeline Tests", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        request.CertificateExtensions.Add(san.Build());
        var now = DateTimeOffset.UtcNow;
        return request.Create(_pki.Intermediate, now.AddHours(-1), now.AddDays(30), RandomSerialNumber.Create());
    }

    /// <summary>What an older version, or someone with write access to the database, could leave in the table.</summary>
    private void InsertPastImport(byte[] der)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _directory.Path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO crls (crl_hash, issuer_hash, issuer, this_update, der) VALUES (@hash, @issuer_hash, @issuer, @this_update, @der)";
        command.Parameters.AddWithValue("hash", Convert.ToHexStringLower(SHA256.HashData(der)));
        command.Parameters.AddWithValue("issuer_hash", Convert.ToHexStringLower(SHA256.HashData(_pki.Intermediate.SubjectName.RawData)));
        command.Parameters.AddWithValue("issuer", _pki.Intermediate.SubjectName.Name);
        command.Parameters.AddWithValue("this_update", DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("der", der);
        command.ExecuteNonQuery();
    }
}
