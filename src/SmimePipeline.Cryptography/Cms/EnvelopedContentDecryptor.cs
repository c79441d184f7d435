using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Oiw;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>
/// Opens CMS enveloped data (RFC 5652 §6) and authenticated-enveloped data (RFC 5083) addressed to one of our
/// identities, for reading encrypted replies. Key transport: RSA PKCS#1 v1.5 and RSAES-OAEP (SHA-1, SHA-256,
/// SHA-384, SHA-512 with MGF1 of the same hash, empty label), the private operation run wherever the identity's
/// key lives (OpenSSL, or <c>C_Decrypt</c> in a PKCS#11 token). Content: AES-128/192/256-CBC and AES-GCM
/// (authenticated-enveloped data); 3DES, RC2 and DES are refused as weak.
/// ECDH key agreement is not read. The content is returned to the caller and never logged or put in an exception.
/// </summary>
public static class EnvelopedContentDecryptor
{
    /// <summary>Opens the DER/BER <c>ContentInfo</c> in <paramref name="contentInfo"/>.</summary>
    /// <param name="contentInfo">The CMS ContentInfo (the decoded body of an application/pkcs7-mime part).</param>
    /// <param name="identities">Where our certificates and keys are.</param>
    /// <returns>The decrypted content and the certificate it was addressed to.</returns>
    /// <exception cref="EnvelopeRefusedException">
    /// <see cref="EnvelopeRefusal.Malformed"/>: not (authenticated-)enveloped data, or unreadable ASN.1;
    /// <see cref="EnvelopeRefusal.NotAddressedToUs"/>: no key-transport RecipientInfo names one of our certificates (the
    /// message lists the recipients it does name); <see cref="EnvelopeRefusal.DecryptionFailed"/>: the key or the content
    /// does not decrypt, the authentication tag does not match, or an algorithm is not one listed above.
    /// </exception>
    public static DecryptedEnvelope Decrypt(ReadOnlyMemory<byte> contentInfo, IDecryptionIdentities identities)
    {
        ArgumentNullException.ThrowIfNull(identities);
        var envelope = Parse(contentInfo);
        var named = new List<string>();
        foreach (var entry in envelope.Recipients)
        {
            var recipient = Describe(entry);
            named.Add(recipient.Description);
            if (recipient.KeyTransport is null)
            {
                continue;
            }

            var identity = identities.FindByCertificate(recipient.Matches);
            if (identity is null)
            {
                continue;
            }

            byte[] contentKey = DecryptKey(recipient.KeyTransport, identity);
            try
            {
                byte[] content = DecryptContent(envelope, contentKey);
                return new DecryptedEnvelope(content, identity.Certificate, envelope.Algorithm.Algorithm.Id);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(contentKey);
            }
        }

        throw new EnvelopeRefusedException(
            EnvelopeRefusal.NotAddressedToUs,
            named.Count == 0
                ? "The encrypted mail has no recipients."
                : $"The encrypted mail is not addressed to any of our certificates; it names {string.Join("; ", named)}.");
    }

    private static Envelope Parse(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var info = Org.BouncyCastle.Asn1.Cms.ContentInfo.GetInstance(Asn1Object.FromByteArray(bytes.ToArray()));
            if (CmsObjectIdentifiers.EnvelopedData.Equals(info.ContentType))
            {
                var enveloped = EnvelopedData.GetInstance(info.Content);
                var encrypted = enveloped.EncryptedContentInfo;
                return new Envelope(enveloped.RecipientInfos, encrypted.ContentEncryptionAlgorithm, Octets(encrypted.EncryptedContent), null, null);
            }

            if (CmsObjectIdentifiers.AuthEnvelopedData.Equals(info.ContentType))
            {
                var authEnveloped = AuthEnvelopedData.GetInstance(info.Content);
                var encrypted = authEnveloped.AuthEncryptedContentInfo;
                // RFC 5083 §2.2: the authenticated attributes are authenticated as a DER SET OF, not with their [1] tag.
                byte[] associated = authEnveloped.AuthAttrs is { } attributes ? attributes.GetEncoded(Asn1Encodable.Der) : [];
                return new Envelope(authEnveloped.RecipientInfos, encrypted.ContentEncryptionAlgorithm, Octets(encrypted.EncryptedContent), authEnveloped.Mac.GetOctets(), associated);
            }

            throw new EnvelopeRefusedException(EnvelopeRefusal.Malformed, $"The CMS content is {info.ContentType.Id}, not enveloped or authenticated-enveloped data.");
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or InvalidCastException or InvalidOperationException or Asn1Exception or NullReferenceException)
        {
            throw new EnvelopeRefusedException(EnvelopeRefusal.Malformed, $"The encrypted content is not readable CMS: {ex.Message}", ex);
        }
    }

    private static byte[] Octets(Asn1OctetString? content) =>
        content?.GetOctets() ?? throw new EnvelopeRefusedException(EnvelopeRefusal.Malformed, "The enveloped data carries no encrypted content (detached content is not read).");

    private static Recipient Describe(Asn1Encodable entry)
    {
        try
        {
            return Describe(RecipientInfo.GetInstance(entry));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidCastException or InvalidOperationException or Asn1Exception)
        {
            throw new EnvelopeRefusedException(EnvelopeRefusal.Malformed, $"A RecipientInfo of the encrypted content is not readable: {ex.Message}", ex);
        }
    }

    private static Recipient Describe(RecipientInfo info)
    {
        if (info.Info is not KeyTransRecipientInfo transport)
        {
            string kind = info.Info switch
            {
                KeyAgreeRecipientInfo => "a key-agreement (ECDH) recipient, which is not read",
                KekRecipientInfo => "a key-encryption-key recipient, which is not read",
                PasswordRecipientInfo => "a password recipient, which is not read",
                _ => "a recipient of an unknown kind",
            };
            return new Recipient(kind, null, _ => false);
        }

        var identifier = transport.RecipientIdentifier;
        if (identifier.IsTagged)
        {
            byte[] keyIdentifier = (identifier.ID is Asn1TaggedObject tagged ? Asn1OctetString.GetInstance(tagged, false) : Asn1OctetString.GetInstance(identifier.ID)).GetOctets();
            return new Recipient(
                $"subject key identifier {Convert.ToHexStringLower(keyIdentifier)}",
                transport,
                certificate => certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault() is { } extension
                    && extension.SubjectKeyIdentifierBytes.Span.SequenceEqual(keyIdentifier));
        }

        var issuerAndSerial = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber.GetInstance(identifier.ID);
        var issuer = issuerAndSerial.Issuer;
        var serial = issuerAndSerial.SerialNumber.Value;
        return new Recipient(
            $"issuer \"{issuer}\" serial {serial.ToString(16)}",
            transport,
            certificate =>
            {
                var structure = X509CertificateStructure.GetInstance(certificate.RawData);
                return structure.SerialNumber.Value.Equals(serial) && structure.Issuer.Equivalent(issuer);
            });
    }

    private static byte[] DecryptKey(KeyTransRecipientInfo transport, SignerIdentity identity)
    {
        var padding = KeyTransportPadding(transport.KeyEncryptionAlgorithm);
        var owned = identity.PrivateKey is null ? identity.Certificate.GetRSAPrivateKey() : null;
        var key = identity.PrivateKey as RSA ?? owned
            ?? throw new EnvelopeRefusedException(
                EnvelopeRefusal.DecryptionFailed,
                $"The encrypted mail is addressed to our certificate {identity.Certificate.Subject} ({identity.Certificate.Thumbprint}), whose key is not an RSA key usable for key transport.");
        try
        {
            return key.Decrypt(transport.EncryptedKey.GetOctets(), padding);
        }
        catch (CryptographicException ex)
        {
            // The cause of a failed RSA decryption is not told apart (padding oracles); the certificate is named.
            throw new EnvelopeRefusedException(
                EnvelopeRefusal.DecryptionFailed,
                $"The content key addressed to our certificate {identity.Certificate.Subject} ({identity.Certificate.Thumbprint}) does not decrypt with its private key.",
                ex);
        }
        finally
        {
            owned?.Dispose();
        }
    }

    private static RSAEncryptionPadding KeyTransportPadding(AlgorithmIdentifier algorithm)
    {
        if (PkcsObjectIdentifiers.RsaEncryption.Equals(algorithm.Algorithm))
        {
            return RSAEncryptionPadding.Pkcs1;
        }

        if (!PkcsObjectIdentifiers.IdRsaesOaep.Equals(algorithm.Algorithm))
        {
            throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, $"The content key is encrypted with {algorithm.Algorithm.Id}; only RSA PKCS#1 v1.5 and RSAES-OAEP are read.");
        }

        // RFC 4055 §4.1: absent parameters mean SHA-1, MGF1-SHA-1 and the empty label.
        var parameters = algorithm.Parameters is null or Asn1Null
            ? new RsaesOaepParameters()
            : RsaesOaepParameters.GetInstance(algorithm.Parameters);
        var hash = HashName(parameters.HashAlgorithm.Algorithm);
        var mgfHash = AlgorithmIdentifier.GetInstance(parameters.MaskGenAlgorithm.Parameters);
        if (!PkcsObjectIdentifiers.IdMgf1.Equals(parameters.MaskGenAlgorithm.Algorithm) || HashName(mgfHash.Algorithm) != hash)
        {
            throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, "The content key is encrypted with RSAES-OAEP whose mask generation differs from its hash; only MGF1 with the same hash is read.");
        }

        if (!PkcsObjectIdentifiers.IdPSpecified.Equals(parameters.PSourceAlgorithm.Algorithm)
            || Asn1OctetString.GetInstance(parameters.PSourceAlgorithm.Parameters).GetOctets().Length != 0)
        {
            throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, "The content key is encrypted with RSAES-OAEP with a label; only the empty label is read.");
        }

        return RSAEncryptionPadding.CreateOaep(hash);
    }

    private static HashAlgorithmName HashName(DerObjectIdentifier oid)
    {
        if (OiwObjectIdentifiers.IdSha1.Equals(oid))
        {
            return HashAlgorithmName.SHA1;
        }

        if (NistObjectIdentifiers.IdSha256.Equals(oid))
        {
            return HashAlgorithmName.SHA256;
        }

        if (NistObjectIdentifiers.IdSha384.Equals(oid))
        {
            return HashAlgorithmName.SHA384;
        }

        return NistObjectIdentifiers.IdSha512.Equals(oid)
            ? HashAlgorithmName.SHA512
            : throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, $"The content key is encrypted with RSAES-OAEP over the hash {oid.Id}; SHA-1, SHA-256, SHA-384 and SHA-512 are read.");
    }

    private static byte[] DecryptContent(Envelope envelope, byte[] contentKey)
    {
        var algorithm = envelope.Algorithm;
        var oid = algorithm.Algorithm;
        try
        {
            if (envelope.Mac is not null)
            {
                return DecryptGcm(envelope, contentKey);
            }

            byte[] iv = Asn1OctetString.GetInstance(algorithm.Parameters).GetOctets();
            int keyLength = AesCbcKeyLength(oid)
                ?? throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, PkcsObjectIdentifiers.DesEde3Cbc.Equals(oid)
                    ? "The content is encrypted with 3DES-CBC, which is not read (weak); AES-CBC and AES-GCM are."
                    : $"The content is encrypted with {oid.Id}; AES-CBC and AES-GCM are read.");
            RequireKeyLength(contentKey, keyLength, "AES-CBC");
            using var aes = Aes.Create();
            aes.Key = contentKey;
            return aes.DecryptCbc(envelope.Ciphertext, iv, PaddingMode.PKCS7);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or InvalidCastException)
        {
            throw new EnvelopeRefusedException(
                EnvelopeRefusal.DecryptionFailed,
                $"The encrypted content ({oid.Id}) does not decrypt with the content key: it is damaged, tampered with or encrypted with another key.",
                ex);
        }
    }

    private static byte[] DecryptGcm(Envelope envelope, byte[] contentKey)
    {
        var oid = envelope.Algorithm.Algorithm;
        int keyLength = NistObjectIdentifiers.IdAes128Gcm.Equals(oid) ? 16
            : NistObjectIdentifiers.IdAes192Gcm.Equals(oid) ? 24
            : NistObjectIdentifiers.IdAes256Gcm.Equals(oid) ? 32
            : throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, $"The authenticated content is encrypted with {oid.Id}; only AES-GCM is read.");
        RequireKeyLength(contentKey, keyLength, "AES-GCM");
        var parameters = GcmParameters.GetInstance(envelope.Algorithm.Parameters);
        byte[] tag = envelope.Mac!;
        if (tag.Length != parameters.IcvLen)
        {
            throw new EnvelopeRefusedException(EnvelopeRefusal.DecryptionFailed, $"The authentication tag is {tag.Length} bytes, not the {parameters.IcvLen} its parameters declare.");
        }

        using var gcm = new AesGcm(contentKey, tag.Length);
        byte[] plaintext = new byte[envelope.Ciphertext.Length];
        gcm.Decrypt(parameters.GetNonce(), envelope.Ciphertext, tag, plaintext, envelope.AssociatedData);
        return plaintext;
    }

    private static int? AesCbcKeyLength(DerObjectIdentifier oid) =>
        NistObjectIdentifiers.IdAes128Cbc.Equals(oid) ? 16
        : NistObjectIdentifiers.IdAes192Cbc.Equals(oid) ? 24
        : NistObjectIdentifiers.IdAes256Cbc.Equals(oid) ? 32
        : null;

    private static void RequireKeyLength(byte[] key, int expected, string cipher)
    {
        if (key.Length != expected)
        {
            throw new CryptographicException($"A {cipher} content key of {expected} bytes was expected; the decrypted key has another length.");
        }
    }

    private sealed record Envelope(Asn1Set Recipients, AlgorithmIdentifier Algorithm, byte[] Ciphertext, byte[]? Mac, byte[]? AssociatedData);

    private sealed record Recipient(string Description, KeyTransRecipientInfo? KeyTransport, Func<X509Certificate2, bool> Matches);
}
