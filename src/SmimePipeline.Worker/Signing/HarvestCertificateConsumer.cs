using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Files the certificate of a signed mail (<see cref="HarvestCertificate"/>) in the recipient directory.
/// A refused request (empty or oversize, bad signature, untrusted chain, signer not the From address) is logged
/// and goes to the error queue; nothing is stored.
/// </summary>
public sealed class HarvestCertificateConsumer(
    CertificateHarvester harvester,
    SignerRefusals refusals,
    IOptions<SmimePipelineOptions> options,
    ILogger<HarvestCertificateConsumer> logger) : IConsumer<HarvestCertificate>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<HarvestCertificate> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Message;
        var max = options.Value.MaxMessageBytes;
        if ((ContractRules.Size(SignerRefusals.BodyLength(context), max + (max / 2), "The HarvestCertificate message")
            ?? HarvestCertificateValidator.Validate(request, max)) is { } refusal)
        {
            refusals.RefuseHarvest(request?.RequestId ?? Guid.Empty, refusal);
        }

        try
        {
            using var mail = new MemoryStream(request!.Mail, writable: false);
            var result = harvester.Harvest(mail);
            Log.CertificateHarvested(logger, request.RequestId, result.Address, result.Thumbprints.Count);
        }
        catch (ProtectionRefusedException refused)
        {
            Log.HarvestRefused(logger, request!.RequestId, refused.ReasonCode, refused.Message);
            throw;
        }

        return Task.CompletedTask;
    }
}
