using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;

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

        return services.AddClientServices(options);
    }

    /// <summary>
    /// Registers <see cref="ISmimeMailPublisher"/> with its settings bound from the configuration section
    /// <paramref name="sectionPath"/> (default <see cref="SmimePipelineClientOptions.SectionName"/>, e.g.
    /// <c>SmimePipeline:Client:ClaimStorePostgresConnectionString</c>); invalid settings fail at start.
    /// </summary>
    public static IServiceCollection AddSmimePipelineClientFromConfiguration(this IServiceCollection services, string sectionPath = SmimePipelineClientOptions.SectionName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sectionPath);
        return services.AddClientServices(services.AddOptions<SmimePipelineClientOptions>().BindConfiguration(sectionPath));
    }

    private static IServiceCollection AddClientServices(this IServiceCollection services, OptionsBuilder<SmimePipelineClientOptions> options)
    {
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmimePipelineClientOptions>, SmimePipelineClientOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // The producer claim store: the host's own (a worker in the same process registers one), else the
        // client's PostgreSQL store when its connection string is set, else none (everything travels inline).
        services.TryAddSingleton(sp =>
        {
            if (sp.GetService<IProtectClaimStore>() is { } hosts)
            {
                return new ClientClaimStore(hosts, owned: false);
            }

            var options = sp.GetRequiredService<IOptions<SmimePipelineClientOptions>>().Value;
            return string.IsNullOrWhiteSpace(options.ClaimStorePostgresConnectionString)
                ? new ClientClaimStore(null, owned: false)
                : new ClientClaimStore(new PostgresProtectClaimStore(options.ResolveClaimStoreConnectionString()), owned: true);
        });
        services.TryAddScoped<ISmimeMailPublisher>(sp => new SmimeMailPublisher(
            sp.GetRequiredService<MassTransit.ISendEndpointProvider>(),
            sp.GetRequiredService<IOptions<SmimePipelineClientOptions>>(),
            SmimeMailPublisher.IsRabbitMq(sp.GetService<MassTransit.IBus>()),
            sp.GetRequiredService<ClientClaimStore>().Store,
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
