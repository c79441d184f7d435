using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// <c>POST /webhooks/sparkpost/relay</c>: SparkPost Inbound Relay Webhook batches. 401 for a wrong or missing
/// <c>X-MessageSystems-Webhook-Token</c>, 413 for a body or batch too large, 400 for a body that is not a JSON
/// array, 503 when the good entries could not all be handed to RabbitMQ within <c>Webhooks:HandOverTimeout</c> of the
/// request's arrival (SparkPost retries; <see cref="WebhookDeadline"/>), else 200 — also
/// when entries were dropped (each logged and counted with its reason), so that a sender learns nothing about
/// what we accept.
/// </summary>
public sealed class RelayWebhookHandler(
    IOptions<WebhooksOptions> options,
    HarvestIntake queue,
    ReturnPathTelemetry telemetry,
    TimeProvider time,
    ILogger<RelayWebhookHandler> logger)
{
    /// <summary>The endpoint's path.</summary>
    public const string Path = "/webhooks/sparkpost/relay";

    /// <summary>The header SparkPost puts the relay webhook's <c>auth_token</c> in.</summary>
    public const string TokenHeader = "X-MessageSystems-Webhook-Token";

    /// <summary>The endpoint name in metrics and logs.</summary>
    public const string Endpoint = "sparkpost-relay";
    private readonly WebhookSecret _token = new(options.Value.RelayTokenFile);

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = options.Value;
        var deadline = new WebhookDeadline(o.HandOverTimeout, time);
        if (_token.Check(context.Request.Headers[TokenHeader].ToString()) is { } refusal)
        {
            await RefuseAsync(context, refusal, $"missing or wrong {TokenHeader}");
            return;
        }

        IReadOnlyList<RelayBatchEntry> entries;
        try
        {
            var body = await RequestBody.ReadAsync(context, o.MaxRequestBytes, context.RequestAborted);
            entries = RelayBatchReader.Read(body, o.MaxMailBytes, o.MaxBatchEntries, time.GetUtcNow());
        }
        catch (RelayBatchException refused)
        {
            await RefuseAsync(context, WebhookRefusal.Of(refused), refused.Message);
            return;
        }

        foreach (var dropped in entries.Where(e => e.Harvest is null))
        {
            telemetry.RecordWebhookEntry(Endpoint, dropped.DropReason!);
            ReturnPathLog.WebhookEntryDropped(logger, Endpoint, dropped.Index, dropped.DropReason!, dropped.DropDetail!);
        }

        var good = entries.Where(e => e.Harvest is not null).ToList();

        // Not the request's own cancellation: once a send started, finish it, so that a client that gave up does
        // not leave a half-confirmed batch behind; only the deadline cancels it.
        try
        {
            await deadline.RunAsync(token => Task.WhenAll(good.Select(e => queue.EnqueueAsync(e.Harvest!, token))), logger, Endpoint);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await WebhookAnswers.HandOverFailedAsync(context, telemetry, logger, Endpoint, ex, "The batch could not be queued; retry later.");
            return;
        }

        foreach (var _ in good)
        {
            telemetry.RecordWebhookEntry(Endpoint, "accepted");
        }

        ReturnPathLog.WebhookBatchAccepted(logger, Endpoint, good.Count, entries.Count, entries.Count - good.Count);
        telemetry.RecordWebhookRequest(Endpoint, StatusCodes.Status200OK);
        await WebhookAnswers.CountsAsync(context, StatusCodes.Status200OK, good.Count, entries.Count - good.Count);
    }

    private Task RefuseAsync(HttpContext context, WebhookRefusal refusal, string answer) =>
        WebhookAnswers.RefusedAsync(context, telemetry, logger, Endpoint, refusal, answer);
}
