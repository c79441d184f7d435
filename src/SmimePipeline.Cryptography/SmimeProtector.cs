using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Buffers;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Cryptography.Options;

namespace SmimePipeline.Cryptography;

/// <summary>
/// Signs and/or encrypts a MIME message with S/MIME 4.0 (RFC 8551): canonicalise, optionally protect the
/// headers (RFC 9788), sign (multipart/signed or opaque SignedData), then encrypt (EnvelopedData with
/// AES-CBC or AuthEnvelopedData with AES-GCM; RSA PKCS#1 v1.5 or OAEP key transport, ECDH for EC
/// certificates) to every recipient and to the sender. All CMS is DER. The defaults (see
/// <see cref="ProtectionOptions"/>) are the interoperable set. One instance per process; thread-safe.
/// Signer keys are prepared once and cached.
/// </summary>
public sealed class SmimeProtector
{
    private readonly ICertificateStore _store;
    private readonly TimeProvider _timeProvider;
    private readonly ProtectionOptions _options;
    private readonly IRecipientCapabilities _capabilities;
    private readonly HashSet<string> _allowed;
    private readonly ConditionalWeakTable<SignerIdentity, CmsSignerKey> _signerKeys = new();

    /// <summary>Creates the protector with the default options.</summary>
    /// <param name="store">Where signer keys and recipient certificates come from.</param>
    /// <param name="timeProvider">The clock for validity checks, signingTime and a missing Date; default system.</param>
    public SmimeProtector(ICertificateStore store, TimeProvider? timeProvider = null)
        : this(store, new ProtectionOptions(), null, timeProvider)
    {
    }

    /// <summary>Creates the protector.</summary>
    /// <param name="store">Where signer keys and recipient certificates come from.</param>
    /// <param name="options">Algorithms and shapes; read once here.</param>
    /// <param name="capabilities">What recipients are known to read; default: nothing known (AES-CBC).</param>
    /// <param name="timeProvider">The clock; default system.</param>
    public SmimeProtector(ICertificateStore store, ProtectionOptions options, IRecipientCapabilities? capabilities = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _capabilities = capabilities ?? UnknownRecipientCapabilities.Instance;
        _allowed = new HashSet<string>(options.AllowedAlgorithms, StringComparer.OrdinalIgnoreCase);
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>
    /// Protects <paramref name="message"/> as <paramref name="policy"/> says. The message body is re-encoded
    /// in place (7-bit transfer encodings) and, with header protection, gets the protected headers; the
    /// message's own headers are not changed (a missing Date or Message-ID is added first under header protection).
    /// With header protection, encryption, an obscured Subject and <see cref="ProtectionOptions.LegacyDisplay"/>, the
    /// protected text/plain and text/html body parts begin with RFC 9788's legacy display element; the message object's
    /// parts are given back unchanged afterwards. A mail without such a text part gets no element.
    /// </summary>
    /// <param name="message">The message; exactly one From mailbox and at least one To/Cc/Bcc mailbox.</param>
    /// <param name="policy">Sign and/or encrypt, and per-message overrides of cipher, opaque signing and header protection.</param>
    /// <returns>The protected RFC 5322 bytes (Bcc removed) with the envelope.</returns>
    /// <exception cref="ProtectionRefusedException">
    /// InvalidMessage (no or several From, no recipient, no body, nothing to do); InvalidHeader (see
    /// <see cref="HeaderRules"/>: a NUL, a bare CR or LF, a line over 998 octets, a bad name, headers over
    /// <see cref="ProtectionOptions.MaxHeaderBytes"/>); SignerKeyMissing;
    /// RecipientCertificateMissing (naming every recipient without a certificate); CertificateExpired;
    /// KeyUsageNotAllowed; AddressNotInCertificate; KeyTooWeak (RSA below 2048 bits);
    /// AlgorithmNotAllowed (an algorithm outside <see cref="ProtectionOptions.AllowedAlgorithms"/>, or an unknown cipher name).
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

        // Headers are copied into the outer headers and signed: one with a NUL, a bare CR or a 1 MB line is
        // refused here, before any key is touched, whether it came from a ProtectEmail or a raw message.
        HeaderRules.Check(message.Headers, _options.MaxHeaderBytes);
        if (message.Body is { } entity)
        {
            CheckEntityHeaders(entity);
        }

        string sender = GetSender(message);
        var recipients = GetRecipients(message, sender);
        var body = message.Body ?? throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, sender, $"The mail from {sender} has no body.");
        bool opaque = policy.Opaque ?? _options.Opaque;
        bool headerProtection = policy.HeaderProtection ?? _options.HeaderProtection;

        CmsSignerKey? signerKey;
        List<(string Address, X509Certificate2 Certificate)> encryptTo;
        ContentEncryptionAlgorithm? cipher;
        using (var lookup = CryptographyTelemetry.Source.StartActivity("smime certificate lookup"))
        {
            try
            {
                signerKey = policy.Sign ? GetSignerKey(sender, now) : null;
                if (signerKey is not null)
                {
                    RequireAllowed(sender, signerKey.SchemeName, "signature");
                    RequireAllowed(sender, signerKey.Digest.MicAlg.Replace("-", "", StringComparison.Ordinal), "digest");
                }

                encryptTo = policy.Encrypt ? GetEncryptionCertificates(sender, recipients, now, signerKey?.Certificate) : [];
                // The sender's own copy is a convenience: when policy forbids its key management, it is left out
                // instead of stopping the mail. A real recipient whose key management is forbidden stops it.
                bool senderIsRecipient = recipients.Contains(sender, StringComparer.OrdinalIgnoreCase);
                encryptTo.RemoveAll(r => !senderIsRecipient && string.Equals(r.Address, sender, StringComparison.OrdinalIgnoreCase) && !IsAllowed(KeyManagementName(r.Certificate)));

                // An EC sender's own copy needs an ECDH KeyAgreeRecipientInfo, which NSS (Thunderbird) cannot
                // decode at all: one such entry makes the whole mail unreadable there. So the self-copy is
                // added only when the real recipients are EC too (and so already need ECDH-capable clients).
                if (!senderIsRecipient
                    && encryptTo.Any(r => !string.Equals(r.Address, sender, StringComparison.OrdinalIgnoreCase) && !CmsRecipientInfos.UsesKeyAgreement(r.Certificate)))
                {
                    encryptTo.RemoveAll(r => string.Equals(r.Address, sender, StringComparison.OrdinalIgnoreCase) && CmsRecipientInfos.UsesKeyAgreement(r.Certificate));
                }
                cipher = policy.Encrypt ? ChooseCipher(sender, policy.Cipher, encryptTo) : null;
                foreach (var (address, certificate) in encryptTo)
                {
                    RequireAllowed(address, KeyManagementName(certificate), "key management");
                }

                lookup?.SetTag("smime.recipient_count", recipients.Count);
                lookup?.SetTag("smime.encryption_certificate_count", encryptTo.Count);
            }
            catch (ProtectionRefusedException refusal)
            {
                lookup?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, refusal.ReasonCode);
                throw;
            }
        }

        string? outerSubject = null;
        if (headerProtection)
        {
            if (body is ProtectEmailBody composed)
            {
                // Header protection adds headers to the body's root and legacy display edits its text parts:
                // both work on MimeKit's tree, so a body composed for protection becomes one here.
                body = composed.ToMimeEntity();
                message.Body = body;
                composed.Dispose();
            }

            EnsureDateAndMessageId(message, sender, now);
            outerSubject = policy.Encrypt && !string.IsNullOrEmpty(_options.ObscuredSubject) && message.Headers.Contains(HeaderId.Subject) ? _options.ObscuredSubject : null;
            HeaderProtection.Apply(message, policy.Encrypt, outerSubject);
        }

        // RFC 9788 §4.5.3: clients without header protection show the real Subject in the text, not only "[...]".
        // The parts get their element for this protect only; Dispose puts the caller's content back.
        using var legacyDisplay = headerProtection && _options.LegacyDisplay && outerSubject is not null
            ? LegacyDisplayContent.Insert(body, LegacyDisplay.ObscuredFields(message, outerSubject))
            : null;

        using var outerHeaders = new PooledMemoryStream(4 * 1024);
        // RFC 8551 §3.1: the outer headers stay readable; Content-* describe the new top-level entity instead.
        OuterHeaderWriter.Write(message.Headers, outerSubject, now, sender, NewMessageId, outerHeaders);

        // The entity that is encrypted (or, signed only, the whole message after the outer headers). Clear signing
        // canonicalises the body straight into it as the multipart/signed's first part, so the content is written,
        // hashed and encrypted in place: no second copy of it to write and to clear. Zeroed when returned to the pool.
        using var signedEntity = new PooledMemoryStream(64 * 1024 + (policy.Encrypt ? 0 : (int)outerHeaders.Length));
        if (!policy.Encrypt)
        {
            signedEntity.Write(outerHeaders.WrittenSpan);
        }

        string? boundary = signerKey is not null && !opaque ? SmimeEntityWriter.WriteMultipartSignedStart(signedEntity, signerKey.Digest.MicAlg) : null;
        int contentStart = (int)signedEntity.Length;
        MimeCanonicalizer.WriteCanonical(body, signedEntity, out bool needsOpaqueSigning);
        int contentLength = (int)signedEntity.Length - contentStart;

        // Re-protecting signed 8-bit mail: clear signing would send the inner signed bytes over 7-bit transport or
        // re-encode them; inside an opaque SignedData they travel base64-encoded, unchanged. Opaque signing writes
        // its own signedEntity around the canonical bytes.
        opaque |= needsOpaqueSigning;
        using var opaqueEntity = signerKey is not null && opaque
            ? new PooledMemoryStream(contentLength * 2 + 16 * 1024 + (policy.Encrypt ? 0 : (int)outerHeaders.Length))
            : null;
        if (signerKey is not null)
        {
            using var signing = StartSigning(signerKey, contentLength, opaque);
            if (opaqueEntity is not null)
            {
                if (!policy.Encrypt)
                {
                    opaqueEntity.Write(outerHeaders.WrittenSpan);
                }

                // RFC 8551 §3.5.2: the signedEntity is inside the SignedData; relays that rewrite bodies cannot touch it.
                SmimeEntityWriter.WritePkcs7Mime(
                    opaqueEntity,
                    CmsSignedDataWriter.WriteEncapsulated(signedEntity.WrittenSpan.Slice(contentStart, contentLength), signerKey, now),
                    Pkcs7MimeType.SignedData);
            }
            else
            {
                // The signature is computed before anything more is written: the content span lives in the buffer.
                byte[] signature = CmsSignedDataWriter.WriteDetached(signedEntity.WrittenSpan.Slice(contentStart, contentLength), signerKey, now);
                SmimeEntityWriter.WriteMultipartSignedEnd(signedEntity, boundary!, signature);
            }
        }

        var protectedEntity = opaqueEntity ?? signedEntity;
        byte[] content;
        if (!policy.Encrypt)
        {
            content = protectedEntity.ToArray();
        }
        else
        {
            ReadOnlySpan<byte> plaintext = protectedEntity.WrittenSpan;
            var certificates = encryptTo.Select(r => r.Certificate).ToList();
            // Only ciphertext and recipient infos are ever written here, so it need not be cleared.
            using var envelopedData = new PooledMemoryStream(cipher!.GetCiphertextLength(plaintext.Length) + 4 * 1024, holdsPlaintext: false);
            using (var encrypting = CryptographyTelemetry.Source.StartActivity("smime encrypt"))
            {
                encrypting?.SetTag("smime.content_cipher", cipher.Name);
                encrypting?.SetTag("smime.key_transport", _options.KeyTransport.ToString());
                encrypting?.SetTag("smime.recipient_count", certificates.Count);
                encrypting?.SetTag("smime.plaintext_size", plaintext.Length);
                CmsEnvelopedDataWriter.Write(plaintext, certificates, cipher, _options.KeyTransport, envelopedData);
                encrypting?.SetTag("smime.enveloped_size", envelopedData.Length);
            }

            content = SmimeEntityWriter.CreatePkcs7MimeMessage(
                outerHeaders.WrittenSpan,
                envelopedData.WrittenSpan,
                cipher.IsAuthenticated ? Pkcs7MimeType.AuthEnvelopedData : Pkcs7MimeType.EnvelopedData);
        }

        return new ProtectedMail(
            content,
            sender,
            recipients,
            signerKey?.SignatureAlgorithmName,
            cipher?.Name);
    }

    /// <summary>
    /// The MIME headers of the body's entities. A multipart/signed part is left alone: its bytes are signed by
    /// someone else and go out unchanged; an attached message/rfc822 is content, not our headers.
    /// </summary>
    private void CheckEntityHeaders(MimeEntity entity)
    {
        HeaderRules.Check(entity.Headers, _options.MaxHeaderBytes);
        if (entity is ProtectEmailBody composed)
        {
            composed.CheckHeaders(_options.MaxHeaderBytes);
            return;
        }

        if (entity is Multipart multipart and not MimeKit.Cryptography.MultipartSigned)
        {
            foreach (var child in multipart)
            {
                CheckEntityHeaders(child);
            }
        }
    }

    private static System.Diagnostics.Activity? StartSigning(CmsSignerKey signerKey, long contentSize, bool opaque)
    {
        var activity = CryptographyTelemetry.Source.StartActivity("smime sign");
        activity?.SetTag("smime.signature_algorithm", signerKey.SignatureAlgorithmName);
        activity?.SetTag("smime.key_size", signerKey.KeySize);
        activity?.SetTag("smime.digest", signerKey.Digest.MicAlg);
        activity?.SetTag("smime.content_size", contentSize);
        activity?.SetTag("smime.opaque", opaque);
        return activity;
    }

    /// <summary>
    /// The content cipher: the message's override, else the configured one, else (Auto) AES-256-GCM when every
    /// recipient is known to read AuthEnvelopedData and AES-256-CBC otherwise, each within the allow-list.
    /// </summary>
    private ContentEncryptionAlgorithm ChooseCipher(string sender, string? requested, List<(string Address, X509Certificate2 Certificate)> recipients)
    {
        var configured = _options.Cipher;
        if (requested is not null)
        {
            configured = requested.ToLowerInvariant() switch
            {
                "aes128-cbc" => ContentCipher.Aes128Cbc,
                "aes256-cbc" => ContentCipher.Aes256Cbc,
                "aes128-gcm" => ContentCipher.Aes128Gcm,
                "aes256-gcm" => ContentCipher.Aes256Gcm,
                _ => throw new ProtectionRefusedException(
                    ProtectionRefusal.AlgorithmNotAllowed,
                    sender,
                    $"The mail from {sender} asks for the content cipher '{requested}', which is not one of aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm."),
            };
        }

        if (configured != ContentCipher.Auto)
        {
            var explicitCipher = ContentEncryptionAlgorithm.From(configured);
            RequireAllowed(sender, explicitCipher.Name, "content cipher");
            return explicitCipher;
        }

        // Auto never picks a cipher a recipient did not advertise: a recipient with known SMIMECapabilities
        // limits the choice to what it listed; one without them gets AES-CBC (what every client reads), or GCM
        // only when the capabilities source vouches for it.
        List<ContentEncryptionAlgorithm> candidates =
        [
            ContentEncryptionAlgorithm.Aes256Gcm, ContentEncryptionAlgorithm.Aes128Gcm, ContentEncryptionAlgorithm.Aes256Cbc, ContentEncryptionAlgorithm.Aes128Cbc,
        ];
        foreach (var (address, certificate) in recipients)
        {
            var advertised = _capabilities.AdvertisedCiphers(address, certificate);
            if (advertised is not null)
            {
                candidates.RemoveAll(c => !advertised.Contains(c.Cipher));
            }
            else if (!_capabilities.CanReadAuthEnveloped(address, certificate))
            {
                candidates.RemoveAll(c => c.IsAuthenticated);
            }

            if (candidates.Count == 0)
            {
                throw new ProtectionRefusedException(
                    ProtectionRefusal.AlgorithmNotAllowed,
                    address,
                    $"Recipient {address} advertised none of the content ciphers the other recipients of the mail from {sender} read (aes256-gcm, aes128-gcm, aes256-cbc, aes128-cbc); set a cipher explicitly to override.");
            }
        }

        return candidates.FirstOrDefault(c => IsAllowed(c.Name)) ?? throw new ProtectionRefusedException(
            ProtectionRefusal.AlgorithmNotAllowed,
            sender,
            $"No content cipher that every recipient of the mail from {sender} reads ({string.Join(", ", candidates.Select(c => c.Name))}) is allowed by policy.");
    }

    private string KeyManagementName(X509Certificate2 certificate) =>
        CmsRecipientInfos.UsesKeyAgreement(certificate) ? "ecdh" : _options.KeyTransport == KeyTransport.RsaOaep ? "rsaes-oaep" : "rsaes-pkcs1";

    private bool IsAllowed(string algorithm) => _allowed.Count == 0 || _allowed.Contains(algorithm);

    private void RequireAllowed(string address, string algorithm, string role)
    {
        if (!IsAllowed(algorithm))
        {
            throw new ProtectionRefusedException(
                ProtectionRefusal.AlgorithmNotAllowed,
                address,
                $"The {role} algorithm {algorithm} needed for {address} is not allowed by policy (allowed: {string.Join(", ", _allowed)}).");
        }
    }

    private static void EnsureDateAndMessageId(MimeMessage message, string sender, DateTimeOffset now)
    {
        // The inner and outer copies must agree, so both are fixed before either is written.
        if (!message.Headers.Contains(HeaderId.Date))
        {
            message.Date = now;
        }

        if (!message.Headers.Contains(HeaderId.MessageId))
        {
            message.MessageId = NewMessageId(sender);
        }
    }

    private static string NewMessageId(string sender)
    {
        int at = sender.LastIndexOf('@');
        string domain = at < 0 ? "smime-pipeline.local" : sender[(at + 1)..].ToLowerInvariant();
        return $"{Guid.NewGuid():N}@{domain}";
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
        return _signerKeys.GetValue(identity, id => new CmsSignerKey(id, _options.Signature, _options.Digest));
    }

    /// <summary>The certificates to encrypt to: every recipient's, and the sender's own copy when it has one fit for it.</summary>
    /// <param name="sender">The From address.</param>
    /// <param name="recipients">The To, Cc and Bcc addresses.</param>
    /// <param name="now">The instant of the checks.</param>
    /// <param name="signerCertificate">The sender's signing certificate when the mail is signed (already looked up and checked), else null.</param>
    private List<(string Address, X509Certificate2 Certificate)> GetEncryptionCertificates(string sender, List<string> recipients, DateTimeOffset now, X509Certificate2? signerCertificate)
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
                $"No encryption certificate for {(missing.Count == 1 ? "recipient" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{missing.Count:N0} recipients:"))} {AddressSummary.Format(missing)}; the mail is not sent in plaintext.");
        }

        foreach (var (address, certificate) in certificates)
        {
            if (FindRecipientProblem(address, certificate, now) is { } problem)
            {
                throw problem;
            }
        }

        // Encrypt to self so the sender can read its sent mail; only with a certificate fit for key transport.
        var self = FindSenderEncryptionCertificate(sender, now, signerCertificate);
        if (self is not null)
        {
            certificates.Add((sender, self));
        }

        var distinct = new List<(string Address, X509Certificate2 Certificate)>(certificates.Count);
        var seen = new HashSet<X509Certificate2>(SameCertificateComparer.Instance);
        foreach (var recipient in certificates)
        {
            if (seen.Add(recipient.Certificate))
            {
                distinct.Add(recipient);
            }
        }

        return distinct;
    }

    private X509Certificate2? FindSenderEncryptionCertificate(string sender, DateTimeOffset now, X509Certificate2? signerCertificate)
    {
        // A signed mail's signer was found a moment ago: asking the store again would repeat its lookup and checks.
        var own = signerCertificate ?? _store.FindSigner(sender)?.Certificate;
        if (own is not null && FindRecipientProblem(sender, own, now) is null)
        {
            return own;
        }

        var published = _store.FindRecipientCertificate(sender);
        return published is not null && FindRecipientProblem(sender, published, now) is null ? published : null;
    }

    /// <summary>RSA certificates: the store's rules (key transport). EC certificates: <see cref="EcRecipientRules"/> (key agreement).</summary>
    private static ProtectionRefusedException? FindRecipientProblem(string address, X509Certificate2 certificate, DateTimeOffset now) =>
        CmsRecipientInfos.UsesKeyAgreement(certificate)
            ? EcRecipientRules.FindProblem(address, certificate, now)
            : CertificateRules.FindRecipientProblem(address, certificate, now);
}
