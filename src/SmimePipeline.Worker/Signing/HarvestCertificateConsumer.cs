using MassTransit;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Files the certificate of a signed mail (<see cref="HarvestCertificate"/>) in the recipient directory.
/// A refused mail (bad signature, untrusted chain, signer not the From address) is logged and goes to the
/// error queue; nothing is stored.
/// </summary>
public sealed class HarvestCertificateConsumer(CertificateHarvester harvester, ILogger<HarvestCertificateConsumer> logger) : IConsumer<HarvestCertificate>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<HarvestCertificate> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Message;
        try
        {
            using var mail = new MemoryStream(request.Mail, writable: false);
            var result = harvester.Harvest(mail);
            Log.CertificateHarvested(logger, request.RequestId, result.Address, result.Thumbprints.Count);
        }
        catch (ProtectionRefusedException refusal)
        {
            Log.HarvestRefused(logger, request.RequestId, refusal.ReasonCode, refusal.Message);
            throw;
        }

        return Task.CompletedTask;
    }
}
