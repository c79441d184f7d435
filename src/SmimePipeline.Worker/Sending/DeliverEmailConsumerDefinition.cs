using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Puts <see cref="DeliverEmailConsumer"/> on the <c>smime-deliver</c> queue with the ESP's concurrency,
/// and retries transient ESP failures in process for the first seconds. Anything else goes to the error
/// queue at once.
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
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<DeliveryException>(e => e.Kind is DeliveryFailureKind.Transient or DeliveryFailureKind.Quota);
            retry.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15));
        });
    }
}
