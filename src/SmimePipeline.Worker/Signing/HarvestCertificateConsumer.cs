using MassTransit;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Files the certificate of a signed mail (<see cref="HarvestCertificate"/>) in the recipient directory, after
/// its DKIM signature shows that the From domain sent it (<see cref="DkimAuthenticator"/>). A reply encrypted to one
/// of our signer identities is decrypted first (<see cref="EncryptedReplyOpener"/>) and its inner entity harvested.
/// A refused mail (no or failing or misaligned DKIM, not addressed to us, not decryptable, not signed, bad signature,
/// untrusted chain, signer not the From address) is
/// logged and counted with its reason and goes to the error queue; nothing is stored. The request itself is
/// validated first (size, fields), as if a stranger wrote it.
/// </summary>
public sealed class HarvestCertificateConsumer(
    CertificateHarvester harvester,
    DkimAuthenticator dkim,
    EncryptedReplyOpener opener,
    ReturnPathTelemetry telemetry,
    SignerRefusals refusals,
    IOptions<SmimePipelineOptions> options,
    ILogger<HarvestCertificateConsumer> logger) : IConsumer<HarvestCertificate>
{
    /// <summary>The outcome counted for a mail whose certificates were filed.</summary>
    public const string Harvested = "harvested";

    /// <inheritdoc />
    public async Task Consume(ConsumeContext<HarvestCertificate> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        HarvestCertificate? received = context.Message;
        var max = options.Value.MaxMessageBytes;
        if ((ContractRules.Size(SignerRefusals.BodyLength(context), max + (max / 2), "The HarvestCertificate message")
            ?? HarvestCertificateValidator.Validate(received, max)) is { } invalid)
        {
            refusals.RefuseHarvest(received?.RequestId ?? Guid.Empty, invalid);
        }

        // A stranger may send a null message: the validator refused it above, so from here on it is not null.
        var request = received!;

        try
        {
            using var message = Load(request.Mail);
            var verdict = await dkim.AuthenticateAsync(message, context.CancellationToken);
            var opened = opener.Open(message);
            RequireSigned(message, opened is not null);
            var result = harvester.Harvest(message);
            telemetry.RecordHarvest(Harvested);
            Log.CertificateHarvested(logger, request.RequestId, result.Address, result.Thumbprints.Count);
            if (verdict is not null)
            {
                ReturnPathLog.HarvestDkimPassed(logger, request.RequestId, verdict.SigningDomain, verdict.Selector, request.Source ?? "bus");
            }

            if (opened is not null)
            {
                ReturnPathLog.HarvestDecrypted(logger, request.RequestId, opened.Recipient.Subject, opened.Recipient.Thumbprint);
            }
        }
        catch (InboundMailRefusedException refusal)
        {
            telemetry.RecordHarvest(refusal.ReasonCode);
            Log.HarvestRefused(logger, request.RequestId, refusal.ReasonCode, refusal.Message);
            throw;
        }
        catch (ProtectionRefusedException refusal)
        {
            telemetry.RecordHarvest(refusal.ReasonCode);
            Log.HarvestRefused(logger, request.RequestId, refusal.ReasonCode, refusal.Message);
            throw;
        }
    }

    private static MimeMessage Load(byte[] mail)
    {
        if (mail is null || mail.Length == 0)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.Unreadable, null, "The mail to harvest is empty.");
        }

        try
        {
            using var stream = new MemoryStream(mail, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (FormatException ex)
        {
            throw new InboundMailRefusedException(InboundRefusalReasons.Unreadable, null, $"The mail to harvest is not readable MIME: {ex.Message}");
        }
    }

    private static void RequireSigned(MimeMessage message, bool decrypted)
    {
        string inside = decrypted ? " inside its encryption" : "";
        switch (message.Body)
        {
            case MultipartSigned:
            case ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.SignedData }:
                return;
            case ApplicationPkcs7Mime { SecureMimeType: SecureMimeType.EnvelopedData or SecureMimeType.AuthEnvelopedData }:
                throw new InboundMailRefusedException(
                    InboundRefusalReasons.NotSigned,
                    message.From.Mailboxes.FirstOrDefault()?.Address,
                    decrypted
                        ? $"The mail from {message.From} is encrypted twice; only a signed reply, encrypted once to us or not at all, can be harvested."
                        : $"The mail from {message.From} is encrypted with an S/MIME type that is not read; only a signed reply, encrypted to us or not at all, can be harvested.");
            default:
                throw new InboundMailRefusedException(
                    InboundRefusalReasons.NotSigned,
                    message.From.Mailboxes.FirstOrDefault()?.Address,
                    $"The mail from {message.From} is not S/MIME signed{inside} (its body is {message.Body?.ContentType.MimeType ?? "empty"}).");
        }
    }
}
