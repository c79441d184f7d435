using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography.Tests;

/// <summary>Every refusal names the address (and certificate) and never the content.</summary>
[Collection("demo-pki")]
public sealed class RefusalTests(DemoPkiFixture fixture)
{
    private const string Domain = "refusal.smime.test";

    [Fact]
    public void Missing_signer_is_refused()
    {
        var exception = Refuse(fixture.Store, TestMails.Create("nobody@" + Domain, fixture.Pki.RecipientAddresses[0]), SecurityPolicy.SignAndEncrypt);

        AssertRefusal(exception, ProtectionRefusal.SignerKeyMissing, "nobody@" + Domain);
        Assert.Equal("No signer key for sender nobody@refusal.smime.test.", exception.Message);
    }

    [Fact]
    public void Missing_recipient_certificates_are_all_named()
    {
        var pki = fixture.Pki;
        var mail = TestMails.Create(pki.SenderAddress, pki.RecipientAddresses[0], "dave@" + Domain) with
        {
            Cc = [new MailAddress("erin@" + Domain)],
        };

        var exception = Refuse(fixture.Store, mail, SecurityPolicy.SignAndEncrypt);

        AssertRefusal(exception, ProtectionRefusal.RecipientCertificateMissing, "dave@" + Domain);
        Assert.Contains("erin@" + Domain, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(pki.RecipientAddresses[0], exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rsa_1024_signer_is_refused_as_too_weak()
    {
        string address = "weak@" + Domain;
        var store = StoreWithSigner(new DemoIdentityOptions(address) { RsaKeySize = 1024 });

        var exception = Refuse(store, TestMails.Create(address, fixture.Pki.RecipientAddresses[0]), SecurityPolicy.SignOnly);

        AssertRefusal(exception, ProtectionRefusal.KeyTooWeak, address);
        Assert.Contains("RSA-1024", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_recipient_certificate_is_refused()
    {
        string address = "expired@" + Domain;
        var store = StoreWithRecipient(new DemoIdentityOptions(address) { NotAfter = DateTimeOffset.UtcNow.AddDays(-2) });

        var exception = Refuse(store, TestMails.Create(fixture.Pki.SenderAddress, address), SecurityPolicy.SignAndEncrypt);

        AssertRefusal(exception, ProtectionRefusal.CertificateExpired, address);
        Assert.StartsWith($"Certificate of {address} expired on 20", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recipient_certificate_without_key_encipherment_is_refused()
    {
        string address = "signonly@" + Domain;
        var store = StoreWithRecipient(new DemoIdentityOptions(address) { KeyUsage = X509KeyUsageFlags.DigitalSignature });

        var exception = Refuse(store, TestMails.Create(fixture.Pki.SenderAddress, address), SecurityPolicy.SignAndEncrypt);

        AssertRefusal(exception, ProtectionRefusal.KeyUsageNotAllowed, address);
        Assert.Contains("keyEncipherment", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recipient_certificate_for_another_address_is_refused()
    {
        // Someone filed Alice's certificate under Mallory's address by hand.
        string mallory = "mallory@" + Domain;
        string directory = fixture.NewDirectory("mismatch");
        CopyDemoStore(directory);
        string malloryDirectory = Path.Combine(directory, "recipients", mallory);
        Directory.CreateDirectory(malloryDirectory);
        File.Copy(fixture.Pki.CertificatePath(fixture.Pki.RecipientAddresses[0]), Path.Combine(malloryDirectory, "alice.pem"));
        using var store = new DirectoryCertificateStore(directory);

        var exception = Refuse(store, TestMails.Create(fixture.Pki.SenderAddress, mallory), SecurityPolicy.SignAndEncrypt);

        AssertRefusal(exception, ProtectionRefusal.AddressNotInCertificate, mallory);
    }

    [Fact]
    public void Policy_without_sign_and_encrypt_is_refused()
    {
        var exception = Refuse(fixture.Store, TestMails.Create(fixture.Pki.SenderAddress, fixture.Pki.RecipientAddresses[0]), new SecurityPolicy { Sign = false, Encrypt = false });

        Assert.Equal(ProtectionRefusal.InvalidMessage, exception.Refusal);
    }

    [Fact]
    public void Sign_only_does_not_need_recipient_certificates()
    {
        var result = new SmimeProtector(fixture.Store).Protect(
            MimeComposer.Compose(TestMails.Create(fixture.Pki.SenderAddress, "dave@" + Domain)),
            SecurityPolicy.SignOnly);

        Assert.Equal(["dave@" + Domain], result.EnvelopeTo);
    }

    private static ProtectionRefusedException Refuse(ICertificateStore store, ProtectEmail mail, SecurityPolicy policy)
    {
        var protector = new SmimeProtector(store);
        return Assert.Throws<ProtectionRefusedException>(() => protector.Protect(MimeComposer.Compose(mail), policy));
    }

    private static void AssertRefusal(ProtectionRefusedException exception, ProtectionRefusal refusal, string address)
    {
        Assert.Equal(refusal, exception.Refusal);
        Assert.Equal(address, exception.Address);
        Assert.Contains(address, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestMails.SecretWord, exception.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("statement follows", exception.ToString(), StringComparison.Ordinal);
    }

    private DirectoryCertificateStore StoreWithSigner(DemoIdentityOptions options)
    {
        string directory = fixture.NewDirectory("signer");
        CopyDemoStore(directory);
        var store = new DirectoryCertificateStore(directory);
        using var authority = fixture.Pki.LoadAuthority();
        using var identity = DemoPki.CreateIdentity(authority, options);
        store.ImportSigner(identity, []);
        return store;
    }

    private DirectoryCertificateStore StoreWithRecipient(DemoIdentityOptions options)
    {
        string directory = fixture.NewDirectory("recipient");
        CopyDemoStore(directory);
        var store = new DirectoryCertificateStore(directory);
        using var authority = fixture.Pki.LoadAuthority();
        using var identity = DemoPki.CreateIdentity(authority, options);
        string pem = Path.Combine(directory, "incoming.pem");
        File.WriteAllText(pem, identity.ExportCertificatePem());
        store.ImportCertificate(pem);
        return store;
    }

    private void CopyDemoStore(string destination)
    {
        string source = fixture.Pki.StorePath;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
