using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Client;

/// <summary>Registration for producer services that already use MassTransit.</summary>
public static class SmimePipelineClientServiceCollectionExtensions
{
    /// <summary>
    /// The configuration section <see cref="SmimePipelineClientOptions"/> is bound from: <c>SmimePipeline</c>, the
    /// workers' section, so that <c>SmimePipeline:MaxMessageBytes</c> is one key for producer and workers. Its keys:
    /// <c>SmimePipeline:MaxMessageBytes</c>, <c>SmimePipeline:LargeMailThresholdBytes</c>,
    /// <c>SmimePipeline:MessageFormat</c> (<c>Binary</c> or <c>Json</c>); the workers ignore the last two.
    /// </summary>
    public const string SectionName = "SmimePipeline";

    /// <summary>
    /// Registers <see cref="ISmimeMailPublisher"/> (scoped, like MassTransit's send endpoint provider), its settings
    /// bound from the <see cref="SectionName"/> section of the host's <c>IConfiguration</c> (absent keys keep their
    /// defaults), then <paramref name="configure"/> applied over them.
    /// Call it next to your own <c>AddMassTransit(...)</c>; the bus must reach the pipeline's RabbitMQ.
    /// Requires an <c>IConfiguration</c> service, which every .NET host registers.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">
    /// Optional settings in code, applied after configuration, e.g. <c>o =&gt; o.MaxMessageBytes = 10_000_000</c> to
    /// match workers with a lower <c>SmimePipeline:MaxMessageBytes</c>; default 20,000,000.
    /// </param>
    /// <remarks>
    /// An invalid value stops the host at start with an <see cref="OptionsValidationException"/> naming the key; a value
    /// that cannot be converted (e.g. <c>MessageFormat=Xml</c>) with an <see cref="InvalidOperationException"/> naming it.
    /// </remarks>
    public static IServiceCollection AddSmimePipelineClient(this IServiceCollection services, Action<SmimePipelineClientOptions>? configure = null)
    {
        var options = services.AddOptions<SmimePipelineClientOptions>().BindConfiguration(SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return services.AddClientServices(options);
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
                : new ClientClaimStore(new PostgresProtectClaimStore(options.ResolveClaimStoreConnectionString(), options.ClaimStoreMaxConnections), owned: true);
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
