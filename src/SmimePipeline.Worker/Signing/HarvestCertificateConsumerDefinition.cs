using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory.Dkim;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Puts <see cref="HarvestCertificateConsumer"/> on <c>smime-harvest</c>; refusals are not retried; a DNS server that does
/// not answer is (twice, 1 s and 5 s, then <c>dkim-dns-unavailable</c>); a directory outage is waited for as the signer
/// waits for it (<see cref="DirectoryUnavailableRetry"/>, <see cref="Configuration.SignerOptions.DirectoryUnavailableRetryPeriod"/>).
/// </summary>
public sealed class HarvestCertificateConsumerDefinition : ConsumerDefinition<HarvestCertificateConsumer>
{
    /// <summary>Harvests at once per signer; each may hold one directory connection (see <see cref="Configuration.PostgresPoolDefaults"/>).</summary>
    public const int ConcurrentMessages = 2;

    private readonly TimeSpan _directoryUnavailableRetryPeriod;

    public HarvestCertificateConsumerDefinition(IOptions<Configuration.SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = QueueNames.Harvest;
        ConcurrentMessageLimit = ConcurrentMessages;
        _directoryUnavailableRetryPeriod = options.Value.Signer.DirectoryUnavailableRetryPeriod;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<HarvestCertificateConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        ArgumentNullException.ThrowIfNull(context);
        var directoryUnavailableLog = new DirectoryUnavailableRetryLog(context.GetRequiredService<ILogger<DirectoryUnavailableRetryLog>>());
        endpointConfigurator.UseMessageRetry(retry => DirectoryUnavailableRetry.Configure(retry, _directoryUnavailableRetryPeriod, directoryUnavailableLog));
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<Exception>(Failures.UnavailableBackoff.IsWaitedFor);
            retry.Ignore<ProtectionRefusedException>();
            retry.Ignore<Validation.MailRefusedException>();
            retry.Ignore<InboundMailRefusedException>();
            retry.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        });
    }
}
