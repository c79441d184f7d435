using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>Registers the sender role's pieces besides the ESP client: ledger, retry ladder, circuit breaker.</summary>
public static class SenderServiceCollectionExtensions
{
    /// <summary>
    /// Adds the delivery ledger (<c>SmimePipeline:Delivery:Ledger</c>), the retry ladder for
    /// <paramref name="transport"/> (queues on RabbitMQ, declared before the bus starts; in-process
    /// timers on the in-memory transport), the circuit breaker and the <see cref="DeliveryHandler"/>.
    /// Call before <c>AddMassTransit</c>, so the ladder exists before consumption starts.
    /// </summary>
    public static IServiceCollection AddSmimeSender(this IServiceCollection services, TransportKind transport)
    {
        services.AddDeliveryLedger($"{SmimePipelineOptions.SectionName}:Delivery:Ledger");
        services.TryAddSingleton<DeliverEndpointControl>();
        services.AddReceiveEndpointObserver(provider => provider.GetRequiredService<DeliverEndpointControl>());
        services.TryAddSingleton<EspCircuitBreaker>();
        services.AddHealthChecks().AddCheck<EspBreakerHealthCheck>("esp-breaker", tags: ["ready"]);
        if (transport == TransportKind.RabbitMq)
        {
            services.AddHostedService<RetryLadderDeclaration>();
            services.TryAddSingleton<IRetryLadder, RabbitMqRetryLadder>();
        }
        else
        {
            services.TryAddSingleton<IRetryLadder, InProcessRetryLadder>();
        }

        services.TryAddSingleton<DeliverySlots>();
        services.TryAddSingleton<HandOverDeadline>();
        services.TryAddSingleton<DeliveryHandler>();
        services.TryAddSingleton<DeliveryRefusals>();
        return services;
    }
}
