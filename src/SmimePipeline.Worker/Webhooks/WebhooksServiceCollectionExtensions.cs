using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Registers the webhooks role: its options and the handlers of its endpoints. No key material.</summary>
public static class WebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="WebhooksOptions"/> (validated at start: at least one token file, limits), the inbound
    /// queue and the endpoint handlers. Map them with <see cref="WebhooksEndpointRouteBuilderExtensions.MapSmimeWebhooks"/>.
    /// </summary>
    public static IServiceCollection AddSmimeWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhooksOptions>, WebhooksOptionsValidator>());
        services.TryAddSingleton<ReturnPathTelemetry>();
        services.TryAddSingleton<HarvestIntake>();
        services.TryAddSingleton<RelayWebhookHandler>();
        services.TryAddSingleton<RawMailHandler>();
        return services;
    }
}
