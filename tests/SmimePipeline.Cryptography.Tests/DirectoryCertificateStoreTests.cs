using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cryptography.Tests;

// The store runs on Linux (file modes are part of its contract).
[UnsupportedOSPlatform("windows")]
[Collection("demo-pki")]
public sealed class DirectoryCertificateStoreTests(DemoPkiFixture fixture)
{
    private const string Password = "Pa55-Never-Shown-7731";

    [Fact]
    public void ImportSigner_from_pkcs12_writes_a_private_key_file_and_finds_it_with_any_domain_case()
    {
        string directory = fixture.NewDirectory("p12");
        using var authority = fixture.Pki.LoadAuthority();
        using var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions("Billing.Team@p12.smime.test"));
        string p12 = Path.Combine(directory, "signer.p12");
        File.WriteAllBytes(p12, identity.Export(X509ContentType.Pkcs12, Password));
        string storePath = Path.Combine(directory, "store");
        using var store = new DirectoryCertificateStore(storePath);

        var addresses = store.ImportSigner(p12, Password);

        Assert.Equal(["Billing.Team@p12.smime.test"], addresses);
        string signerDirectory = Path.Combine(storePath, "signers", "Billing.Team@p12.smime.test");
        string keyFile = Assert.Single(Directory.GetFiles(signerDirectory, "*.key.pem"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(signerDirectory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(storePath));
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(keyFile), StringComparison.Ordinal);
        foreach (var file in Directory.EnumerateFiles(storePath, "*", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(Password, File.ReadAllText(file), StringComparison.Ordinal);
        }

        var found = store.FindSigner("Billing.Team@P12.SMIME.Test");
        Assert.NotNull(found);
        Assert.True(found.Certificate.HasPrivateKey);
        Assert.Same(found, store.FindSigner("Billing.Team@p12.smime.test"));
        Assert.Null(store.FindSigner("billing.team@p12.smime.test"));

        var entry = Assert.Single(store.List(), e => e.Kind == StoreEntryKind.Signer);
        Assert.Equal("Billing.Team@p12.smime.test", entry.Address);
        Assert.Equal(identity.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant(), entry.Thumbprint);
        Assert.Equal(64, entry.Thumbprint.Length);
        Assert.True(entry.NotAfter > entry.NotBefore);
        Assert.Contains("Billing.Team@p12.smime.test", entry.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportSigner_with_a_wrong_password_names_the_file_but_not_the_password()
    {
        string directory = fixture.NewDirectory("p12-wrong");
        using var authority = fixture.Pki.LoadAuthority();
        using var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions("wrong@p12.smime.test"));
        string p12 = Path.Combine(directory, "signer.p12");
        File.WriteAllBytes(p12, identity.Export(X509ContentType.Pkcs12, Password));
        using var store = new DirectoryCertificateStore(Path.Combine(directory, "store"));

        var exception = Assert.Throws<InvalidDataException>(() => store.ImportSigner(p12, "not-" + Password));

        Assert.Contains(p12, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, exception.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ImportCertificate_files_each_end_entity_of_a_pem_bundle_and_skips_the_ca()
    {
        string directory = fixture.NewDirectory("bundle");
        var pki = fixture.Pki;
        string bundle = Path.Combine(directory, "bundle.pem");
        File.WriteAllText(bundle, File.ReadAllText(pki.CertificatePath(pki.RecipientAddresses[1]))
            + File.ReadAllText(pki.CaCertificatePath)
            + File.ReadAllText(pki.CertificatePath(pki.RecipientAddresses[2])));
        using var store = new DirectoryCertificateStore(Path.Combine(directory, "store"));

        var imported = store.ImportCertificate(bundle);

        Assert.Equal([pki.RecipientAddresses[1], pki.RecipientAddresses[2]], imported);
        Assert.Equal(2, store.List().Count(e => e.Kind == StoreEntryKind.Recipient));
        Assert.NotNull(store.FindRecipientCertificate("bob@DEMO.smime.test"));
        Assert.Null(store.FindRecipientCertificate(pki.RecipientAddresses[0]));
    }

    [Fact]
    public void ImportCertificate_reads_DER_and_Trust_adds_an_anchor()
    {
        string directory = fixture.NewDirectory("der");
        var pki = fixture.Pki;
        using var alice = X509CertificateLoader.LoadCertificateFromFile(pki.CertificatePath(pki.RecipientAddresses[0]));
        string der = Path.Combine(directory, "alice.cer");
        File.WriteAllBytes(der, alice.RawData);
        using var store = new DirectoryCertificateStore(Path.Combine(directory, "store"));

        Assert.Equal([pki.RecipientAddresses[0]], store.ImportCertificate(der));
        var thumbprints = store.Trust(pki.CaCertificatePath);

        var anchor = Assert.Single(store.TrustAnchors);
        Assert.Equal(thumbprints[0], anchor.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant());
        Assert.Equal(alice.RawData, store.FindRecipientCertificate(pki.RecipientAddresses[0])!.RawData);
    }

    [Fact]
    public void Of_several_signer_certificates_the_valid_one_that_expires_last_wins()
    {
        string address = "rotating@store.smime.test";
        using var authority = fixture.Pki.LoadAuthority();
        using var expired = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(address) { NotAfter = DateTimeOffset.UtcNow.AddDays(-1) });
        using var shorter = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(address) { NotAfter = DateTimeOffset.UtcNow.AddDays(30) });
        using var longer = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(address) { NotAfter = DateTimeOffset.UtcNow.AddDays(300) });
        using var store = new DirectoryCertificateStore(Path.Combine(fixture.NewDirectory("rotation"), "store"));
        store.ImportSigner(shorter, []);
        store.ImportSigner(longer, []);
        store.ImportSigner(expired, []);

        Assert.Equal(longer.Thumbprint, store.FindSigner(address)!.Certificate.Thumbprint);
    }

    [Fact]
    public void Reload_sees_files_added_by_another_process()
    {
        string directory = Path.Combine(fixture.NewDirectory("reload"), "store");
        using var reader = new DirectoryCertificateStore(directory);
        using var writer = new DirectoryCertificateStore(directory);
        writer.ImportCertificate(fixture.Pki.CertificatePath(fixture.Pki.RecipientAddresses[0]));

        Assert.Null(reader.FindRecipientCertificate(fixture.Pki.RecipientAddresses[0]));
        reader.Reload();
        Assert.NotNull(reader.FindRecipientCertificate(fixture.Pki.RecipientAddresses[0]));
    }

    [Fact]
    public void A_damaged_store_file_is_named_in_the_error()
    {
        string directory = Path.Combine(fixture.NewDirectory("damaged"), "store");
        string recipientDirectory = Path.Combine(directory, "recipients", "x@damaged.smime.test");
        Directory.CreateDirectory(recipientDirectory);
        string file = Path.Combine(recipientDirectory, "broken.pem");
        File.WriteAllText(file, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");

        var exception = Assert.Throws<InvalidDataException>(() => new DirectoryCertificateStore(directory));

        Assert.Contains(file, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_signer_key_is_named_without_its_contents_and_a_repaired_one_is_picked_up()
    {
        string address = "repair@store.smime.test";
        string storePath = Path.Combine(fixture.NewDirectory("repair"), "store");
        using var authority = fixture.Pki.LoadAuthority();
        using var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(address));
        using var store = new DirectoryCertificateStore(storePath);
        store.ImportSigner(identity, []);
        string keyFile = Directory.GetFiles(Path.Combine(storePath, "signers", address), "*.key.pem").Single();
        string goodKey = File.ReadAllText(keyFile);
        File.WriteAllText(keyFile, "-----BEGIN PRIVATE KEY-----\nZGFtYWdlZA==\n-----END PRIVATE KEY-----\n");

        var exception = Assert.Throws<InvalidDataException>(() => store.FindSigner(address));

        Assert.Contains(keyFile, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ZGFtYWdlZA", exception.ToString(), StringComparison.Ordinal);
        File.WriteAllText(keyFile, goodKey);
        Assert.True(store.FindSigner(address)!.Certificate.HasPrivateKey);
    }

    [Fact]
    public void DemoPki_is_idempotent_and_complete()
    {
        var pki = fixture.Pki;
        string caBefore = File.ReadAllText(pki.CaCertificatePath);
        var keyWrittenAt = File.GetLastWriteTimeUtc(pki.KeyPath(pki.SenderAddress));

        var again = DemoPki.EnsureCreated(fixture.Root);

        Assert.Equal(caBefore, File.ReadAllText(again.CaCertificatePath));
        Assert.Equal(keyWrittenAt, File.GetLastWriteTimeUtc(again.KeyPath(pki.SenderAddress)));
        using var store = new DirectoryCertificateStore(again.StorePath);
        var entries = store.List();
        Assert.Equal(2, entries.Count(e => e.Kind == StoreEntryKind.Signer));
        Assert.Equal(3, entries.Count(e => e.Kind == StoreEntryKind.Recipient));
        Assert.Single(entries, e => e.Kind == StoreEntryKind.Anchor);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pki.KeyPath(pki.RecipientAddresses[0])));
        using var ecdsa = store.FindSigner(pki.EcdsaSenderAddress)!.Certificate.GetECDsaPublicKey();
        Assert.Equal(256, ecdsa!.KeySize);
        var alice = store.FindRecipientCertificate(pki.RecipientAddresses[0])!;
        Assert.Equal([pki.RecipientAddresses[0]], CertificateAddresses.Get(alice));
        var usage = alice.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, usage.KeyUsages);
    }

    [Fact]
    public void Addresses_come_from_the_legacy_emailAddress_when_there_is_no_subjectAltName()
    {
        using var authority = fixture.Pki.LoadAuthority();
        using var legacy = DemoPki.CreateIdentity(authority, new DemoIdentityOptions("old@legacy.smime.test")
        {
            IncludeSubjectAlternativeName = false,
            IncludeEmailAddressInSubject = true,
        });

        Assert.Equal(["old@legacy.smime.test"], CertificateAddresses.Get(legacy));
        Assert.True(CertificateAddresses.Contains(legacy, "old@LEGACY.smime.test"));
        Assert.False(CertificateAddresses.Contains(legacy, "OLD@legacy.smime.test"));
    }
}
