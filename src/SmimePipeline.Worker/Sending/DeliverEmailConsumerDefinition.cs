using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Puts <see cref="DeliverEmailConsumer"/> on the <c>smime-deliver</c> queue with the ESP's concurrency.
/// Retries of ESP failures are not MassTransit's: the <see cref="DeliveryHandler"/> retries briefly in process
/// and then uses the retry ladder. Anything else thrown (the ledger unreachable, a bug) gets MassTransit's short
/// retries (<see cref="UnexpectedFailureRetry"/>), after which the handler routes it onto the ladder or into
/// <c>smime-deliver-dead</c> itself; <c>smime-deliver_error</c> only keeps what cannot even be routed (the
/// broker refusing the ladder's own sends, a message that cannot be deserialized).
/// </summary>
public sealed class DeliverEmailConsumerDefinition : ConsumerDefinition<DeliverEmailConsumer>
{
    public DeliverEmailConsumerDefinition(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = QueueNames.Deliver;
        ConcurrentMessageLimit = options.Value.Sender.Concurrency;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverEmailConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        // A ledger or broker hiccup: a few quick retries before the handler routes the failure.
        endpointConfigurator.UseMessageRetry(UnexpectedFailureRetry.Configure);
    }
}
