using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Registers the webhooks role: its options and the handlers of its endpoints. No key material.</summary>
public static class WebhooksServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="WebhooksOptions"/> (validated at start: at least one token file, limits), the inbound
    /// queue, the endpoint handlers and the per-recipient ledger. Map them with <see cref="WebhooksEndpointRouteBuilderExtensions.MapSmimeWebhooks"/>.
    /// </summary>
    public static IServiceCollection AddSmimeWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhooksOptions>().BindConfiguration(WebhooksOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhooksOptions>, WebhooksOptionsValidator>());
        services.TryAddSingleton<ReturnPathTelemetry>();
        services.TryAddSingleton<HarvestIntake>();
        services.TryAddSingleton<RelayWebhookHandler>();
        services.TryAddSingleton<RawMailHandler>();
        services.TryAddSingleton<RecipientFatePublisher>();
        services.TryAddSingleton<RecipientFateRecorder>();
        services.TryAddSingleton<EventWebhookHandler>();
        services.TryAddSingleton<DeliveryStatusNotificationHandler>();

        // Event webhooks write the per-recipient story into the delivery ledger's database.
        services.AddRecipientFateLedger($"{Configuration.SmimePipelineOptions.SectionName}:Delivery:Ledger");
        // Bounces of SMTP transmissions (DSNs on the raw endpoint) are accepted only for mails the ledger knows.
        services.AddDeliveryLedger($"{Configuration.SmimePipelineOptions.SectionName}:Delivery:Ledger");
        return services;
    }
}
