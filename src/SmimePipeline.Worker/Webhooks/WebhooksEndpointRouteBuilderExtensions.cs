using Microsoft.Extensions.Options;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Maps the webhooks role's endpoints on the worker's port.</summary>
public static class WebhooksEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>POST /webhooks/sparkpost/relay</c> (when <c>RelayTokenFile</c> is set) and <c>POST /webhooks/raw</c>
    /// (when <c>RawTokenFile</c> is set) and <c>POST /webhooks/sparkpost/events</c>
    /// (when <c>EventsPasswordFile</c> or <c>EventsBearerTokenFile</c> is set). Call only for a worker with the Webhooks role.
    /// </summary>
    public static IEndpointRouteBuilder MapSmimeWebhooks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<WebhooksOptions>>().Value;
        if (options.ServesRelay)
        {
            endpoints.MapPost(RelayWebhookHandler.Path, (HttpContext context) => context.RequestServices.GetRequiredService<RelayWebhookHandler>().HandleAsync(context));
        }

        if (options.ServesRaw)
        {
            endpoints.MapPost(RawMailHandler.Path, (HttpContext context) => context.RequestServices.GetRequiredService<RawMailHandler>().HandleAsync(context));
        }

        if (options.ServesEvents)
        {
            endpoints.MapPost(EventWebhookHandler.Path, (HttpContext context) => context.RequestServices.GetRequiredService<EventWebhookHandler>().HandleAsync(context));
        }

        return endpoints;
    }
}
