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
        if (!string.IsNullOrWhiteSpace(options.RelayTokenFile))
        {
            endpoints.MapPost(RelayWebhookHandler.Path, (HttpContext context) => context.RequestServices.GetRequiredService<RelayWebhookHandler>().HandleAsync(context));
        }

        if (!string.IsNullOrWhiteSpace(options.RawTokenFile))
        {
            endpoints.MapPost(RawMailHandler.Path, (HttpContext context) => context.RequestServices.GetRequiredService<RawMailHandler>().HandleAsync(context));
        }

        if (!string.IsNullOrWhiteSpace(options.EventsPasswordFile) || !string.IsNullOrWhiteSpace(options.EventsBearerTokenFile))
        {
            endpoints.MapPost(EventWebhookHandler.Path, (HttpContext context) => context.RequestServices.GetRequiredService<EventWebhookHandler>().HandleAsync(context));
        }

        return endpoints;
    }
}
