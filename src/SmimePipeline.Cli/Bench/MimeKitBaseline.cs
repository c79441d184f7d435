using System.Security.Cryptography.X509Certificates;
using MimeKit;
using MimeKit.Cryptography;
using SmimePipeline.Contracts;
using Org.BouncyCastle.X509;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// MimeKit's default S/MIME path, as an application would use it: <see cref="TemporarySecureMimeContext"/>
/// (BouncyCastle's managed RSA and CMS generators), <see cref="MultipartSigned.Create(SecureMimeContext, CmsSigner, MimeEntity, CancellationToken)"/>
/// with SHA-256, then <see cref="ApplicationPkcs7Mime.Encrypt(SecureMimeContext, CmsRecipientCollection, MimeEntity, CancellationToken)"/>
/// to the same recipients as our engine (the recipient and, for an RSA sender, the sender) with AES-256-CBC,
/// serialised to bytes. One instance per thread: a context is not thread-safe.
/// </summary>
internal sealed class MimeKitBaseline : IDisposable
{
    private readonly TemporarySecureMimeContext _context = new();
    private readonly CmsSigner _signer;
    private readonly CmsRecipientCollection _recipients = [];

    public MimeKitBaseline(BenchCertificateStore store)
    {
        // MimeKit takes keys as BouncyCastle objects; PKCS#12 is its documented way in for a .NET certificate.
        const string password = "bench";
        using (var pkcs12 = new MemoryStream(store.SignerCertificate.Export(X509ContentType.Pkcs12, password)))
        {
            _signer = new CmsSigner(pkcs12, password) { DigestAlgorithm = DigestAlgorithm.Sha256 };
        }

        var parser = new X509CertificateParser();
        _recipients.Add(new CmsRecipient(parser.ReadCertificate(store.Recipient.RawData)) { EncryptionAlgorithms = [EncryptionAlgorithm.Aes256] });
        using var senderRsa = store.SignerCertificate.GetRSAPublicKey();
        if (senderRsa is not null)
        {
            _recipients.Add(new CmsRecipient(parser.ReadCertificate(store.SignerCertificate.RawData)) { EncryptionAlgorithms = [EncryptionAlgorithm.Aes256] });
        }
    }

    public void Dispose() => _context.Dispose();

    /// <summary>Composes, signs, encrypts and serialises <paramref name="mail"/>.</summary>
    /// <returns>The size of the protected message.</returns>
    public static long Protect(MimeKitBaseline baseline, ProtectEmail mail)
    {
        using var message = MimeComposer.Compose(mail);
        var signed = MultipartSigned.Create(baseline._context, baseline._signer, message.Body ?? throw new InvalidOperationException("The composed message has no body."));
        message.Body = ApplicationPkcs7Mime.Encrypt(baseline._context, baseline._recipients, signed);
        using var output = new MemoryStream();
        message.WriteTo(output);
        return output.Length;
    }
}
