using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SmimePipeline.Client;

/// <summary>Registration for producer services that already use MassTransit.</summary>
public static class SmimePipelineClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ISmimeMailPublisher"/> (scoped, like MassTransit's send endpoint provider).
    /// Call it next to your own <c>AddMassTransit(...)</c>; the bus must reach the pipeline's RabbitMQ.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">
    /// Optional settings, e.g. <c>o =&gt; o.MaxMessageBytes = 10_000_000</c> to match workers with a lower
    /// <c>SmimePipeline:MaxMessageBytes</c>; default 20,000,000. An invalid limit fails at start.
    /// </param>
    public static IServiceCollection AddSmimePipelineClient(this IServiceCollection services, Action<SmimePipelineClientOptions>? configure = null)
    {
        var options = services.AddOptions<SmimePipelineClientOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmimePipelineClientOptions>, SmimePipelineClientOptionsValidator>());
        services.TryAddScoped<ISmimeMailPublisher>(sp => new SmimeMailPublisher(
            sp.GetRequiredService<MassTransit.ISendEndpointProvider>(),
            sp.GetRequiredService<IOptions<SmimePipelineClientOptions>>(),
            SmimeMailPublisher.IsRabbitMq(sp.GetService<MassTransit.IBus>())));
        return services;
    }
}
