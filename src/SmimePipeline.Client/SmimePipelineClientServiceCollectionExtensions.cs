using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

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

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmimePipelineClientOptions>, SmimePipelineClientOptionsValidator>());
        services.TryAddScoped<ISmimeMailPublisher>(sp => new SmimeMailPublisher(
            sp.GetRequiredService<MassTransit.ISendEndpointProvider>(),
            sp.GetRequiredService<IOptions<SmimePipelineClientOptions>>(),
            SmimeMailPublisher.IsRabbitMq(sp.GetService<MassTransit.IBus>())));
        return services;
    }
}
