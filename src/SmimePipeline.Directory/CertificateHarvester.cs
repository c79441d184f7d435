using MimeKit;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// Collects recipients' certificates from mail they signed (the usual intake): verifies the signature
/// first, requires the signer's certificate to name the From address, validates the chain (intermediates
/// from the message), and files every certificate of the From address fit for encryption with the signed
/// SMIMECapabilities. Nothing is stored when any step fails.
/// </summary>
public sealed class CertificateHarvester
{
    private readonly IRecipientDirectory _directory;
    private readonly ICertificateValidator _validator;

    /// <summary>Creates the harvester.</summary>
    /// <param name="directory">Where certificates are filed.</param>
    /// <param name="validator">Validates the signer and the certificates filed.</param>
    public CertificateHarvester(IRecipientDirectory directory, ICertificateValidator validator)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(validator);
        _directory = directory;
        _validator = validator;
    }

    /// <summary>Harvests from the raw RFC 5322 bytes of a signed mail.</summary>
    /// <param name="mail">The mail.</param>
    /// <returns>What was filed.</returns>
    /// <exception cref="ProtectionRefusedException">
    /// InvalidMessage (not signed, signature does not verify, no certificate fit for encryption),
    /// AddressNotInCertificate (signer is not the From address), or any validation refusal.
    /// </exception>
    public HarvestResult Harvest(Stream mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        MimeMessage message;
        try
        {
            message = MimeMessage.Load(mail);
        }
        catch (FormatException ex)
        {
            throw new ProtectionRefusedException("The mail to harvest is not readable MIME.", ex);
        }

        using (message)
        {
            return Harvest(message);
        }
    }

    /// <summary>Harvests from a signed mail already parsed (for example after its DKIM signature was checked).</summary>
    /// <param name="message">The mail, as loaded from its received bytes; the caller keeps ownership.</param>
    /// <returns>What was filed.</returns>
    /// <exception cref="ProtectionRefusedException">As <see cref="Harvest(Stream)"/>.</exception>
    public HarvestResult Harvest(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        {
            var signed = SignedMailReader.Read(message);
            string from = signed.From;
            if (!CertificateAddresses.Contains(signed.Signer, from))
            {
                throw new ProtectionRefusedException(
                    ProtectionRefusal.AddressNotInCertificate,
                    from,
                    $"The mail from {from} is signed with a certificate issued to {string.Join(", ", CertificateAddresses.Get(signed.Signer))}, not to the From address.");
            }

            var intermediates = signed.Certificates.Where(c => !ReferenceEquals(c, signed.Signer)).ToList();
            _validator.Validate(from, signed.Signer, CertificateUse.Signing, intermediates);

            var filed = new List<string>();
            ProtectionRefusedException? refusal = null;
            foreach (var certificate in signed.Certificates.Where(c => CertificateAddresses.Contains(c, from)))
            {
                try
                {
                    _validator.Validate(from, certificate, CertificateUse.Encryption, intermediates);
                }
                catch (ProtectionRefusedException problem)
                {
                    refusal ??= problem;
                    continue;
                }

                _directory.Add(certificate, DirectoryEntryKind.Recipient, signed.SmimeCapabilities);
                filed.Add(certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant());
            }

            if (filed.Count == 0)
            {
                throw refusal ?? new ProtectionRefusedException(ProtectionRefusal.KeyUsageNotAllowed, from, $"The mail from {from} carries no certificate of {from} fit for encryption.");
            }

            return new HarvestResult(from, filed, signed.SmimeCapabilities is not null);
        }
    }
}
