using Microsoft.Extensions.Options;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Delivery;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Telemetry;
using SmimePipeline.Worker.Webhooks;

namespace SmimePipeline.Worker.Hosting;

/// <summary>
/// Starts at 0, once the worker has started, every series of the product's counters whose label values are a finite set
/// known then (session 22), so that a dashboard's <c>increase()</c> and an alert see a series' first count: by the roles
/// and the configuration, the sender's counters by provider (and retry step, and pause reason), the in-process first
/// attempts by outcome, certificate validation failures by reason, and each served webhook endpoint's requests by status,
/// refusals by reason and ESP events by type. One mechanism (<see cref="CounterSeries"/>), run in
/// <see cref="StartedAsync"/>: OpenTelemetry's meter listener starts with the host's hosted services, and a value recorded
/// before it (in a constructor, say) is lost. The background loops start their own <c>smime.background.failures</c>
/// series. Not started, because their values come from outside or are not known at start: dead letters (reasons from
/// several failure types, by stage), the producer claim store's SQLSTATEs, harvest outcomes, dropped batch entries'
/// reasons, bounce classes, and protected mails by algorithm and cipher.
/// </summary>
public sealed class CounterSeriesAtStart(IServiceProvider services, IOptions<SmimePipelineOptions> options) : IHostedLifecycleService
{
    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var roles = options.Value.Roles;
        var telemetry = services.GetRequiredService<SmimeTelemetry>();
        if (roles.HasFlag(WorkerRoles.Signer))
        {
            telemetry.StartCertificateValidationSeries(CertificateValidator.Refusals.Select(ProtectionRefusedException.ReasonCodeOf));
        }

        if (roles.HasFlag(WorkerRoles.Sender))
        {
            telemetry.StartSenderSeries(
                services.GetRequiredService<IMailTransport>().Name,
                services.GetRequiredService<IRetryLadder>().Schedule.Count,
                EspCircuitBreaker.PauseReasons);
        }

        if (services.GetRequiredService<IServiceProviderIsService>().IsService(typeof(InProcessDelivery)))
        {
            telemetry.StartInProcessDeliverySeries(InProcessDelivery.Outcomes);
        }

        if (roles.HasFlag(WorkerRoles.Webhooks))
        {
            StartWebhookSeries(services.GetRequiredService<ReturnPathTelemetry>(), services.GetRequiredService<IOptions<WebhooksOptions>>().Value);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static void StartWebhookSeries(ReturnPathTelemetry telemetry, WebhooksOptions webhooks)
    {
        if (webhooks.ServesRelay)
        {
            StartEndpoint(telemetry, RelayWebhookHandler.Endpoint, StatusCodes.Status200OK, WebhookRefusal.OfRelay);
        }

        if (webhooks.ServesEvents)
        {
            StartEndpoint(telemetry, EventWebhookHandler.Endpoint, StatusCodes.Status200OK, WebhookRefusal.OfEvents);
            telemetry.StartEspEventSeries(ReturnPathTelemetry.KnownEventTypes.Where(t => !IsDsn(t)).Append(ReturnPathTelemetry.Other));
        }

        if (webhooks.ServesRaw)
        {
            StartEndpoint(telemetry, RawMailHandler.Endpoint, StatusCodes.Status202Accepted, WebhookRefusal.OfRaw);
            StartEndpoint(telemetry, DeliveryStatusNotificationHandler.Endpoint, StatusCodes.Status200OK, WebhookRefusal.OfDsn);
            telemetry.StartEspEventSeries(ReturnPathTelemetry.KnownEventTypes.Where(IsDsn));
        }
    }

    // An endpoint's requests by its answer when it takes one, 503 (RabbitMQ or the ledger not reached) and each refusal's
    // status, and its refusals by reason.
    private static void StartEndpoint(ReturnPathTelemetry telemetry, string endpoint, int accepted, IReadOnlyList<WebhookRefusal> refusals) =>
        telemetry.StartWebhookSeries(
            endpoint,
            refusals.Select(r => r.Status).Append(accepted).Append(StatusCodes.Status503ServiceUnavailable).Distinct().Order(),
            refusals.Select(r => r.Reason));

    private static bool IsDsn(string eventType) => eventType.StartsWith("dsn_", StringComparison.Ordinal);
}
