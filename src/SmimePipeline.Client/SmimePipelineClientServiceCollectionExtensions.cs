using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace SmimePipeline.Client;

/// <summary>Registration for producer services that already use MassTransit.</summary>
public static class SmimePipelineClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISmimeMailPublisher"/> (scoped, like MassTransit's send endpoint provider).
    /// Call it next to your own <c>AddMassTransit(...)</c>; the bus must reach the pipeline's RabbitMQ.
    /// </summary>
    public static IServiceCollection AddSmimePipelineClient(this IServiceCollection services)
    {
        services.TryAddScoped<ISmimeMailPublisher, SmimeMailPublisher>();
        return services;
    }
}
