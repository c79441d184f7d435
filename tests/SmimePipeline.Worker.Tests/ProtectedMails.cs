using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Testing;

namespace SmimePipeline.Worker.Tests;

/// <summary>A demo PKI in a temporary directory and the real protect engine over it, shared by a test class.</summary>
public sealed class ProtectedMails : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly DirectoryCertificateStore _store;

    public ProtectedMails()
    {
        Pki = DemoPki.EnsureCreated(_temp.File("pki"));
        _store = new DirectoryCertificateStore(Pki.StorePath);
        Protector = new SmimeProtector(_store, new ProtectionOptions());
    }

    public DemoPki Pki { get; }

    public SmimeProtector Protector { get; }

    /// <summary>A small mail from the demo sender to the first demo recipient, protected as <paramref name="policy"/> says.</summary>
    public byte[] Protect(SecurityPolicy policy)
    {
        using var message = MimeKit.MimeMessage.CreateFromMailMessage(new System.Net.Mail.MailMessage(Pki.SenderAddress, Pki.RecipientAddresses[0], "Statement", "Your statement is ready."));
        return Protector.Protect(message, policy).Content;
    }

    public void Dispose()
    {
        _store.Dispose();
        _temp.Dispose();
    }
}
