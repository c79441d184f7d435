using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Puts a signer consumer on the <c>smime-protect</c> queue holding <c>Signer:InFlight</c> mails at once
/// (default 16 per core, <see cref="SignerOptions.DefaultInFlightPerSlot"/>; <see cref="ProtectionSlots"/> keeps the CPU-bound protection itself at one mail per
/// core) and short in-process retries for unexpected errors (<see cref="UnexpectedFailureRetry"/>). Refusals are
/// never retried: the same mail would be refused again. An unavailable PKCS#11 token is retried longer (about
/// five minutes, backing off).
/// </summary>
public abstract class SignerConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    protected SignerConsumerDefinition(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = QueueNames.Protect;
        ConcurrentMessageLimit = options.Value.Signer.EffectiveInFlight;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);

        // A PKCS#11 token that went away (HSM fail-over, a network HSM's blink, a restarted module) is reconnected on
        // the next use; its mails wait and retry for a few minutes with backoff instead of landing in the error queue.
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<Pkcs11UnavailableException>();
            retry.Exponential(12, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        });
        endpointConfigurator.UseMessageRetry(UnexpectedFailureRetry.Configure);
    }
}
