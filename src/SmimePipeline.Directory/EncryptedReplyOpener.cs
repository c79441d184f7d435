using MimeKit;
using MimeKit.Cryptography;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Cms;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// Opens an encrypted reply before its certificate is harvested: when the top-level body is
/// application/pkcs7-mime enveloped or authenticated-enveloped data (by its smime-type, or, when that parameter is
/// missing, by the CMS ContentInfo), it is decrypted with the key of the one of our signer identities it is
/// addressed to (<see cref="IDecryptionIdentities"/>: key files, mounted Secrets, PKCS#11 tokens), and the mail's
/// body is replaced by the decrypted inner entity, which the harvest then reads (normally signed: sign-then-encrypt).
/// Run it after DKIM: DKIM covers the outer mail as received. The decrypted content is never logged.
/// </summary>
public sealed class EncryptedReplyOpener
{
    private readonly IDecryptionIdentities _identities;

    /// <summary>Creates the opener.</summary>
    /// <param name="identities">Our identities and their keys.</param>
    public EncryptedReplyOpener(IDecryptionIdentities identities)
    {
        ArgumentNullException.ThrowIfNull(identities);
        _identities = identities;
    }

    /// <summary>Decrypts <paramref name="message"/>'s body in place when it is encrypted; leaves any other mail alone.</summary>
    /// <param name="message">The received mail.</param>
    /// <returns>What was opened (our certificate it was addressed to), or <see langword="null"/> when the mail is not encrypted.</returns>
    /// <exception cref="InboundMailRefusedException">
    /// <see cref="InboundRefusalReasons.NotAddressedToUs"/>: no RecipientInfo names one of our certificates (the message names
    /// the recipients it does name); <see cref="InboundRefusalReasons.DecryptionFailed"/>: addressed to us, but it does not
    /// decrypt or uses an algorithm that is not read; <see cref="InboundRefusalReasons.Unreadable"/>: the envelope or the
    /// decrypted entity is not readable.
    /// </exception>
    public DecryptedEnvelope? Open(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Body is not ApplicationPkcs7Mime part
            || part.SecureMimeType is not (SecureMimeType.EnvelopedData or SecureMimeType.AuthEnvelopedData or SecureMimeType.Unknown))
        {
            return null;
        }

        string? from = message.From.Mailboxes.FirstOrDefault()?.Address;
        byte[] cms = Decode(part);
        DecryptedEnvelope opened;
        try
        {
            opened = EnvelopedContentDecryptor.Decrypt(cms, _identities);
        }
        catch (EnvelopeRefusedException refusal) when (refusal.Refusal == EnvelopeRefusal.Malformed && part.SecureMimeType == SecureMimeType.Unknown)
        {
            // No smime-type and not an envelope: not ours to open; the harvest refuses it as not signed.
            return null;
        }
        catch (EnvelopeRefusedException refusal)
        {
            string reason = refusal.Refusal switch
            {
                EnvelopeRefusal.NotAddressedToUs => InboundRefusalReasons.NotAddressedToUs,
                EnvelopeRefusal.DecryptionFailed => InboundRefusalReasons.DecryptionFailed,
                _ => InboundRefusalReasons.Unreadable,
            };
            throw new InboundMailRefusedException(reason, from, $"The encrypted mail from {from ?? "an unknown sender"} was refused: {refusal.Message}");
        }

        try
        {
            using var stream = new MemoryStream(opened.Content, writable: false);
            message.Body = MimeEntity.Load(stream);
        }
        catch (FormatException)
        {
            // The parser's message could quote the content: only the cause is told.
            throw new InboundMailRefusedException(InboundRefusalReasons.Unreadable, from, $"The encrypted mail from {from ?? "an unknown sender"} decrypts to something that is not a MIME entity.");
        }
        finally
        {
            // The parser copied what it keeps; the plaintext buffer does not linger.
            Array.Clear(opened.Content);
        }

        return opened;
    }

    private static byte[] Decode(MimePart part)
    {
        using var buffer = new MemoryStream();
        if (part.Content is null)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.Unreadable, null, "The encrypted part of the mail is empty.");
        }

        part.Content.DecodeTo(buffer);
        return buffer.ToArray();
    }
}
