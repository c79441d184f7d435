using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Puts a signer consumer on the <c>smime-protect</c> queue with one concurrent mail per core
/// (protect is CPU-bound) and short in-process retries for unexpected errors. Refusals are never
/// retried: the same mail would be refused again.
/// </summary>
public abstract class SignerConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected SignerConsumerDefinition(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = QueueNames.Protect;
        ConcurrentMessageLimit = options.Value.Signer.EffectiveConcurrency;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<ProtectionRefusedException>();
            retry.Intervals(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        });
    }
}
