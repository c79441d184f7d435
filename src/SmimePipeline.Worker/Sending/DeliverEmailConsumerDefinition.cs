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
/// broker refusing the ladder's own sends, a message that cannot be deserialized). The broker sends
/// <see cref="PrefetchPerConcurrentMessage"/> × <c>Sender:Concurrency</c> messages ahead, so that one is waiting in
/// the client whenever a delivery finishes. With places by size (<c>Sender:LargeMailPlaces</c> above 0, the default) every
/// prefetched mail enters the consumer (MassTransit's concurrent message limit = the prefetch) and waits there for one of the
/// <c>Sender:Concurrency</c> delivery places (<see cref="DeliverySlots"/>), small mails first: in MassTransit's own queue they
/// would wait in the broker's order, behind large deliveries.
/// </summary>
public sealed class DeliverEmailConsumerDefinition : ConsumerDefinition<DeliverEmailConsumer>
{
    /// <summary>
    /// Messages prefetched per concurrent delivery. MassTransit's default (1.2 ×, rounded down: 12 for 10) left the
    /// sender's places idle for an ack → next delivery round trip of the quorum queue: in <c>smime bench pipeline</c>
    /// (issue 17) 6-7 of 10 were busy on average while mails waited seconds in <c>smime-deliver</c>. A prefetched
    /// <c>DeliverEmail</c> is small above the claim-check threshold, so the extra memory is bounded.
    /// </summary>
    public const int PrefetchPerConcurrentMessage = 2;

    private readonly int _concurrency;

    public DeliverEmailConsumerDefinition(IOptions<SmimePipelineOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointName = QueueNames.Deliver;
        _concurrency = options.Value.Sender.Concurrency;
        ConcurrentMessageLimit = options.Value.Sender.PlacesBySize ? PrefetchPerConcurrentMessage * _concurrency : _concurrency;
    }

    /// <inheritdoc />
    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<DeliverEmailConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(endpointConfigurator);
        endpointConfigurator.PrefetchCount = PrefetchPerConcurrentMessage * _concurrency;
        // A ledger or broker hiccup: a few quick retries before the handler routes the failure.
        endpointConfigurator.UseMessageRetry(UnexpectedFailureRetry.Configure);
    }
}
