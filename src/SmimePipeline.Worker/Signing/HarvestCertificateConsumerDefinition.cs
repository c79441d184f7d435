using MassTransit;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Worker.Signing;

/// <summary>Puts <see cref="HarvestCertificateConsumer"/> on <c>smime-harvest</c>; refusals are not retried; a DNS server that does not answer is.</summary>
public sealed class HarvestCertificateConsumerDefinition : ConsumerDefinition<HarvestCertificateConsumer>
{
    /// <summary>Harvests at once per signer; each may hold one directory connection (see <see cref="Configuration.PostgresPoolDefaults"/>).</summary>
    public const int ConcurrentMessages = 2;

    public HarvestCertificateConsumerDefinition()
    {
        EndpointName = QueueNames.Harvest;
        ConcurrentMessageLimit = ConcurrentMessages;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<HarvestCertificateConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<ProtectionRefusedException>();
            retry.Ignore<Validation.MailRefusedException>();
            retry.Ignore<InboundMailRefusedException>();
            retry.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        });
    }
}
