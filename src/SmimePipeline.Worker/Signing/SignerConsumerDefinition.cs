using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Puts a signer consumer on the <c>smime-protect</c> queue holding <c>Signer:InFlight</c> mails at once
/// (default 16 per core, <see cref="SignerOptions.DefaultInFlightPerSlot"/>; <see cref="ProtectionSlots"/> keeps the CPU-bound protection itself at one mail per
/// core; in a process that runs both roles, a mail in its in-process first delivery attempt keeps its place too, at most
/// <c>Signer:InFlight</c> less one per protect slot of them, <c>Sending.InProcessDelivery</c>) and short in-process retries for unexpected errors (<see cref="UnexpectedFailureRetry"/>). Refusals are
/// never retried: the same mail would be refused again. An unavailable PKCS#11 token is retried longer
/// (<see cref="KeyUnavailableRetry"/>, <see cref="SignerOptions.KeyUnavailableRetryPeriod"/>, 5 minutes by default), and so is
/// an outage of the recipient directory (<see cref="DirectoryUnavailableRetry"/>, <see cref="SignerOptions.DirectoryUnavailableRetryPeriod"/>).
/// Both retries belong to this consumer alone (its message pipe), not to the endpoint: three consumers share
/// <c>smime-protect</c>, and retries configured on the endpoint by each would wrap one another. Whatever leaves them
/// unreported is reported by the endpoint's <see cref="UnreportedFailureFilter"/>.
/// </summary>
public abstract class SignerConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly TimeSpan _keyUnavailableRetryPeriod;
    private readonly TimeSpan _directoryUnavailableRetryPeriod;

    protected SignerConsumerDefinition(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = QueueNames.Protect;
        ConcurrentMessageLimit = options.Value.Signer.EffectiveInFlight;
        _keyUnavailableRetryPeriod = options.Value.Signer.KeyUnavailableRetryPeriod;
        _directoryUnavailableRetryPeriod = options.Value.Signer.DirectoryUnavailableRetryPeriod;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(consumerConfigurator);
        ArgumentNullException.ThrowIfNull(context);
        var keyUnavailableLog = new KeyUnavailableRetryLog(context.GetRequiredService<ILogger<KeyUnavailableRetryLog>>());

        var directoryUnavailableLog = new DirectoryUnavailableRetryLog(context.GetRequiredService<ILogger<DirectoryUnavailableRetryLog>>());

        // A PKCS#11 token that went away is reconnected on the next use, a directory that went away is asked again; their
        // mails wait and retry with backoff (outer, each for its own exception), around the short retries of anything
        // unexpected (inner, which leaves both exceptions to the outer ones).
        consumerConfigurator.UseMessageRetry(retry => KeyUnavailableRetry.Configure(retry, _keyUnavailableRetryPeriod, keyUnavailableLog));
        consumerConfigurator.UseMessageRetry(retry => DirectoryUnavailableRetry.Configure(retry, _directoryUnavailableRetryPeriod, directoryUnavailableLog));
        consumerConfigurator.UseMessageRetry(UnexpectedFailureRetry.Configure);
    }
}
