using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Puts <see cref="DeliverEmailConsumer"/> on the <c>smime-deliver</c> queue with the ESP's concurrency.
/// Retries are not MassTransit's: the <see cref="DeliveryHandler"/> retries briefly in process and then
/// uses the retry ladder, so an exception that reaches MassTransit is a bug or an outage of the ledger
/// or broker, and MassTransit's own <c>smime-deliver_error</c> queue keeps the mail.
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
        // A ledger or broker hiccup: a few quick retries before MassTransit's error queue.
        endpointConfigurator.UseMessageRetry(retry => retry.Intervals(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)));
    }
}
