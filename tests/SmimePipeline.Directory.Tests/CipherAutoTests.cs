using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using SmimePipeline.CertificateDirectory.Registration;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>
/// Issue 15: <c>Cipher: Auto</c> never chooses a content cipher a recipient did not advertise. The protector and the
/// capabilities come from the shared registration (<c>AddSmimeCertificates</c> + <c>AddSmimeProtection</c>) over a
/// real SQLite directory holding each recipient's SMIMECapabilities, as a harvest files them.
/// </summary>
public sealed class CipherAutoTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DemoPki _pki;
    private readonly ServiceProvider _services;

    public CipherAutoTests()
    {
        _pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));
        var services = new ServiceCollection();
        services.AddSmimeCertificates().Configure(o => o.StorePath = _pki.StorePath);
        services.AddSmimeProtection();
        _services = services.BuildServiceProvider();
    }

    [Fact]
    public void A_recipient_that_advertised_only_aes128_cbc_gets_aes128_cbc()
    {
        var mail = Protect(Recipient("only-aes128", NistObjectIdentifiers.IdAes128Cbc));
        Assert.Equal("aes128-cbc", mail.ContentCipher);
    }

    [Fact]
    public void A_recipient_that_advertised_aes256_and_aes128_cbc_gets_aes256_cbc()
    {
        var mail = Protect(Recipient("both-cbc", NistObjectIdentifiers.IdAes256Cbc, NistObjectIdentifiers.IdAes128Cbc));
        Assert.Equal("aes256-cbc", mail.ContentCipher);
    }

    [Fact]
    public void Several_recipients_get_a_cipher_every_one_of_them_advertised()
    {
        var mail = Protect(
            Recipient("gcm-and-cbc", NistObjectIdentifiers.IdAes256Gcm, NistObjectIdentifiers.IdAes128Cbc),
            Recipient("cbc-128", NistObjectIdentifiers.IdAes128Cbc, NistObjectIdentifiers.IdAes256Gcm));
        Assert.Equal("aes128-cbc", mail.ContentCipher);
    }

    [Fact]
    public void A_recipient_that_advertised_only_ciphers_we_never_write_is_refused_by_name()
    {
        var address = Recipient("only-3des", PkcsObjectIdentifiers.DesEde3Cbc);
        var refusal = Assert.Throws<ProtectionRefusedException>(() => Protect(address));
        Assert.Equal(address, refusal.Address);
        Assert.Contains(address, refusal.Message, StringComparison.Ordinal);
        Assert.Equal("algorithm-not-allowed", refusal.ReasonCode);
    }

    [Fact]
    public void A_recipient_without_known_capabilities_gets_aes256_cbc()
    {
        var mail = Protect(Recipient("unknown"));
        Assert.Equal("aes256-cbc", mail.ContentCipher);
    }

    public void Dispose()
    {
        _services.Dispose();
        _temp.Dispose();
    }

    private ProtectedMail Protect(params string[] recipients)
    {
        using var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(_pki.SenderAddress));
        foreach (var recipient in recipients)
        {
            message.To.Add(MailboxAddress.Parse(recipient));
        }

        message.Subject = "Statement";
        message.Body = new TextPart("plain") { Text = "Your statement is ready." };
        return _services.GetRequiredService<SmimeProtector>().Protect(message, SecurityPolicy.SignAndEncrypt);
    }

    /// <summary>Files a new recipient in the directory with these SMIMECapabilities (none: capabilities unknown).</summary>
    private string Recipient(string localPart, params DerObjectIdentifier[] ciphers)
    {
        string address = $"{localPart}@{DemoPki.Domain}";
        using var authority = _pki.LoadAuthority();
        using var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(address));
        using var certificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(identity.RawData);
        byte[]? capabilities = null;
        if (ciphers.Length > 0)
        {
            var vector = new SmimeCapabilityVector();
            foreach (var cipher in ciphers)
            {
                vector.AddCapability(cipher);
            }

            capabilities = new SmimeCapabilities(new DerSequence(vector.ToAsn1EncodableVector())).GetDerEncoded();
        }

        _services.GetRequiredService<IRecipientDirectory>().Add(certificate, DirectoryEntryKind.Recipient, capabilities);
        return address;
    }
}
