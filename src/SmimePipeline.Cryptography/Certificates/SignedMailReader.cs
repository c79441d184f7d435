using System.Security.Cryptography.X509Certificates;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Cms;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Verifies the S/MIME signature of a received mail (multipart/signed or application/pkcs7-mime signed-data)
/// and returns its certificates and SMIMECapabilities, for harvesting recipients' certificates. Only the
/// signature over the content is checked here; chain, revocation and address are the caller's (validator's).
/// </summary>
public static class SignedMailReader
{
    /// <summary>Reads and verifies <paramref name="message"/>.</summary>
    /// <param name="message">The signed mail.</param>
    /// <returns>The certificates and capabilities.</returns>
    /// <exception cref="ProtectionRefusedException">
    /// InvalidMessage: not signed, no single From, the signature or a certificate in it cannot be read (damaged
    /// ASN.1, an invalid key), or the signature does not verify (tampered content).
    /// </exception>
    public static SignedMailCertificates Read(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mailboxes = message.From.Mailboxes.ToList();
        if (mailboxes.Count != 1)
        {
            throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, null, "The signed mail must have exactly one From mailbox.");
        }

        string from = mailboxes[0].Address;
        try
        {
            return ReadSignature(message, from);
        }
        catch (Exception ex) when (ex is CmsException or ArgumentException or IOException or InvalidOperationException or InvalidCastException
            or System.Security.Cryptography.CryptographicException or Asn1Exception or Org.BouncyCastle.Security.SecurityUtilityException
            or Org.BouncyCastle.Security.Certificates.CertificateException or FormatException)
        {
            // Mail from outside is hostile input: a damaged signature or certificate is a refusal with its cause,
            // whichever layer (BouncyCastle's ASN.1, key or CMS code, .NET's certificate loader) noticed it.
            // Found by fuzzing (scripts/fuzz.sh signed-mail): a certificate whose RSA modulus has a small factor.
            throw new ProtectionRefusedException($"The signature of the mail from {from} cannot be read: {ex.Message}", ex);
        }
    }

    private static SignedMailCertificates ReadSignature(MimeMessage message, string from)
    {
        CmsSignedData signed;
        try
        {
            signed = message.Body switch
            {
                MultipartSigned multipart when multipart.Count == 2 && multipart[1] is MimePart signature =>
                    new CmsSignedData(new CmsProcessableByteArray(CanonicalBytes(multipart[0])), Decode(signature)),
                ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.SignedData } opaque => new CmsSignedData(Decode(opaque)),
                _ => throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, from, $"The mail from {from} is not S/MIME signed (multipart/signed or signed-data)."),
            };
        }
        catch (CmsException ex)
        {
            throw new ProtectionRefusedException($"The signature of the mail from {from} cannot be parsed.", ex);
        }

        var bcCertificates = signed.GetCertificates().EnumerateMatches(null).ToList();
        var signers = signed.GetSignerInfos().GetSigners().ToList();
        if (signers.Count == 0)
        {
            throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, from, $"The mail from {from} carries a signature without signers.");
        }

        foreach (var signer in signers)
        {
            var certificate = bcCertificates.FirstOrDefault(c => signer.SignerID.Match(c))
                ?? throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, from, $"The signature of the mail from {from} does not carry its signer's certificate.");
            bool verified;
            try
            {
                verified = signer.Verify(certificate);
            }
            catch (Exception ex) when (ex is CmsException or Org.BouncyCastle.Security.SecurityUtilityException or Org.BouncyCastle.Security.Certificates.CertificateException)
            {
                throw new ProtectionRefusedException($"The signature of the mail from {from} does not verify: {ex.Message}", ex);
            }

            if (!verified)
            {
                throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, from, $"The signature of the mail from {from} does not verify (content changed after signing).");
            }
        }

        var first = signers[0];
        byte[]? capabilities = first.SignedAttributes?[PkcsObjectIdentifiers.Pkcs9AtSmimeCapabilities] is { } attribute && attribute.AttrValues.Count > 0
            ? attribute.AttrValues[0].ToAsn1Object().GetEncoded(Asn1Encodable.Der)
            : null;
        var certificates = bcCertificates.Select(c => X509CertificateLoader.LoadCertificate(c.GetEncoded())).ToList();
        var signerCertificate = certificates[bcCertificates.FindIndex(c => first.SignerID.Match(c))];
        return new SignedMailCertificates(from, signerCertificate, certificates, capabilities);
    }

    private static byte[] CanonicalBytes(MimeEntity entity)
    {
        // RFC 8551 §3.1.1: the signature covers the entity exactly as sent, with CRLF line ends; the parser
        // keeps raw headers and bodies, so writing it back with DOS line endings reproduces those bytes.
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var buffer = new MemoryStream();
        entity.WriteTo(options, buffer);
        return buffer.ToArray();
    }

    private static byte[] Decode(MimePart part)
    {
        using var buffer = new MemoryStream();
        (part.Content ?? throw new ProtectionRefusedException(ProtectionRefusal.InvalidMessage, null, "The signature part is empty.")).DecodeTo(buffer);
        return buffer.ToArray();
    }
}
