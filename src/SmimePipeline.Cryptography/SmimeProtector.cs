using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;

namespace SmimePipeline.Cryptography;

/// <summary>
/// Signs and/or encrypts a MIME message with S/MIME 4.0 (RFC 8551): canonicalise, sign
/// (multipart/signed, detached CMS SignedData), then encrypt (application/pkcs7-mime EnvelopedData,
/// AES-256-CBC, RSA PKCS#1 v1.5 key transport to every recipient and to the sender). All CMS is DER.
/// One instance per process; thread-safe. Signer keys are prepared once and cached.
/// </summary>
public sealed class SmimeProtector
{
    private static readonly HashSet<string> HeadersNotCopied = new(StringComparer.OrdinalIgnoreCase) { "Bcc" };

    private readonly ICertificateStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ConditionalWeakTable<SignerIdentity, CmsSignerKey> _signerKeys = new();

    /// <summary>Creates the protector.</summary>
    /// <param name="store">Where signer keys and recipient certificates come from.</param>
    /// <param name="timeProvider">The clock for validity checks, signingTime and a missing Date; default system.</param>
    public SmimeProtector(ICertificateStore store, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The content cipher for EnvelopedData. Default AES-256-CBC.</summary>
    public ContentEncryptionAlgorithm ContentEncryption { get; init; } = ContentEncryptionAlgorithm.Aes256Cbc;

    /// <summary>
    /// Protects <paramref name="message"/> as <paramref name="policy"/> says. The message body is re-encoded
    /// in place (7-bit transfer encodings); its headers are not changed.
    /// </summary>
    /// <param name="message">The message; exactly one From mailbox and at least one To/Cc/Bcc mailbox.</param>
    /// <param name="policy">Sign and/or encrypt; at least one of them.</param>
    /// <returns>The protected RFC 5322 bytes (Bcc removed) with the envelope.</returns>
    /// <exception cref="ProtectionRefusedException">
    /// InvalidMessage (no or several From, no recipient, no body, nothing to do); SignerKeyMissing;
    /// RecipientCertificateMissing (naming every recipient without a certificate); CertificateExpired;
    /// KeyUsageNotAllowed; AddressNotInCertificate; KeyTooWeak (RSA below 2048 bits).
    /// </exception>
    public ProtectedMail Protect(MimeMessage message, SecurityPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(policy);
        var now = _timeProvider.GetUtcNow();

        if (!policy.Sign && !policy.Encrypt)
        {
            throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, null, "The security policy asks for neither signing nor encryption; unprotected mail is never sent.");
        }

        string sender = GetSender(message);
        var recipients = GetRecipients(message, sender);
        var body = message.Body ?? throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, sender, $"The mail from {sender} has no body.");

        CmsSignerKey? signerKey = policy.Sign ? GetSignerKey(sender, now) : null;
        IReadOnlyList<X509Certificate2> encryptTo = policy.Encrypt ? GetEncryptionCertificates(sender, recipients, now) : [];

        // One pooled buffer per stage (canonical, signed, output); each is zeroed when returned to the pool.
        using var canonical = new PooledMemoryStream(64 * 1024);
        MimeCanonicalizer.WriteCanonical(body, canonical);
        using var output = new PooledMemoryStream(((int)canonical.Length * 4 / 3) + 16 * 1024);
        WriteOuterHeaders(message, sender, now, output);

        if (!policy.Encrypt)
        {
            WriteSigned(output, canonical.WrittenSpan, signerKey!, now);
        }
        else
        {
            using var signed = signerKey is null ? null : new PooledMemoryStream((int)canonical.Length + 16 * 1024);
            ReadOnlySpan<byte> plaintext = canonical.WrittenSpan;
            if (signed is not null)
            {
                WriteSigned(signed, plaintext, signerKey!, now);
                plaintext = signed.WrittenSpan;
            }

            using var envelopedData = new PooledMemoryStream(ContentEncryption.GetCiphertextLength(plaintext.Length) + 4 * 1024);
            CmsEnvelopedDataWriter.Write(plaintext, encryptTo, ContentEncryption, envelopedData);
            SmimeEntityWriter.WritePkcs7Mime(output, envelopedData.WrittenSpan);
        }

        return new ProtectedMail(
            output.ToArray(),
            sender,
            recipients,
            signerKey?.SignatureAlgorithmName,
            policy.Encrypt ? ContentEncryption.Name : null);
    }

    private static void WriteSigned(Stream destination, ReadOnlySpan<byte> content, CmsSignerKey signerKey, DateTimeOffset now)
    {
        byte[] signature = CmsSignedDataWriter.WriteDetached(content, signerKey, now);
        SmimeEntityWriter.WriteMultipartSigned(destination, content, signature, signerKey.Digest.MicAlg);
    }

    private static string GetSender(MimeMessage message)
    {
        var mailboxes = message.From.Mailboxes.ToList();
        if (mailboxes.Count != 1 || message.From.Count != 1 || string.IsNullOrWhiteSpace(mailboxes[0].Address))
        {
            throw new ProtectionRefusedException(
                ProtectionRefusal.InvalidMessage,
                null,
                mailboxes.Count == 0 ? "The mail has no From address." : $"The mail must have exactly one From mailbox, it has {message.From.Count}.");
        }

        return mailboxes[0].Address;
    }

    private static List<string> GetRecipients(MimeMessage message, string sender)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var recipients = new List<string>();
        foreach (var mailbox in message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes))
        {
            if (!string.IsNullOrWhiteSpace(mailbox.Address) && seen.Add(mailbox.Address))
            {
                recipients.Add(mailbox.Address);
            }
        }

        if (recipients.Count == 0)
        {
            throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, sender, $"The mail from {sender} has no recipient in To, Cc or Bcc.");
        }

        return recipients;
    }

    private CmsSignerKey GetSignerKey(string sender, DateTimeOffset now)
    {
        var identity = _store.FindSigner(sender)
            ?? throw new ProtectionRefusedException(ProtectionRefusal.SignerKeyMissing, sender, $"No signer key for sender {sender}.");
        CertificateRules.CheckSigner(sender, identity.Certificate, now);
        return _signerKeys.GetValue(identity, static id => new CmsSignerKey(id));
    }

    private List<X509Certificate2> GetEncryptionCertificates(string sender, List<string> recipients, DateTimeOffset now)
    {
        var certificates = new List<(string Address, X509Certificate2 Certificate)>(recipients.Count + 1);
        var missing = new List<string>();
        foreach (var recipient in recipients)
        {
            var certificate = _store.FindRecipientCertificate(recipient);
            if (certificate is null)
            {
                missing.Add(recipient);
            }
            else
            {
                certificates.Add((recipient, certificate));
            }
        }

        if (missing.Count > 0)
        {
            throw new ProtectionRefusedException(
                ProtectionRefusal.RecipientCertificateMissing,
                missing[0],
                $"No encryption certificate for recipient{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}; the mail is not sent in plaintext.");
        }

        foreach (var (address, certificate) in certificates)
        {
            CertificateRules.CheckRecipient(address, certificate, now);
        }

        // Encrypt to self so the sender can read its sent mail; only with a certificate fit for key transport.
        var self = FindSenderEncryptionCertificate(sender, now);
        if (self is not null)
        {
            certificates.Add((sender, self));
        }

        var distinct = new List<X509Certificate2>(certificates.Count);
        var thumbprints = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, certificate) in certificates)
        {
            if (thumbprints.Add(certificate.Thumbprint))
            {
                distinct.Add(certificate);
            }
        }

        return distinct;
    }

    private X509Certificate2? FindSenderEncryptionCertificate(string sender, DateTimeOffset now)
    {
        var own = _store.FindSigner(sender)?.Certificate;
        if (own is not null && CertificateRules.FindRecipientProblem(sender, own, now) is null)
        {
            return own;
        }

        var published = _store.FindRecipientCertificate(sender);
        return published is not null && CertificateRules.FindRecipientProblem(sender, published, now) is null ? published : null;
    }

    private static void WriteOuterHeaders(MimeMessage message, string sender, DateTimeOffset now, Stream output)
    {
        // RFC 8551 §3.1: the outer headers stay readable; Content-* describe the new top-level entity instead.
        var headers = new HeaderList();
        bool hasMimeVersion = false, hasDate = false, hasMessageId = false;
        foreach (var header in message.Headers)
        {
            if (HeadersNotCopied.Contains(header.Field) || header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            hasMimeVersion |= header.Id == HeaderId.MimeVersion;
            hasDate |= header.Id == HeaderId.Date;
            hasMessageId |= header.Id == HeaderId.MessageId;
            headers.Add(header.Clone());
        }

        if (!hasDate)
        {
            headers.Add(HeaderId.Date, MimeKit.Utils.DateUtils.FormatDate(now));
        }

        if (!hasMessageId)
        {
            int at = sender.LastIndexOf('@');
            string domain = at < 0 ? "smime-pipeline.local" : sender[(at + 1)..].ToLowerInvariant();
            headers.Add(HeaderId.MessageId, $"<{Guid.NewGuid():N}@{domain}>");
        }

        if (!hasMimeVersion)
        {
            headers.Add(HeaderId.MimeVersion, "1.0");
        }

        // HeaderList.WriteTo ends with the blank line that separates headers from a body; the top-level
        // entity brings its own Content-* headers and blank line, so that separator is dropped here.
        using var buffer = new MemoryStream();
        headers.WriteTo(MimeCanonicalizer.CanonicalFormat, buffer);
        var written = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        output.Write(written.EndsWith("\r\n\r\n"u8) ? written[..^2] : written);
    }
}
