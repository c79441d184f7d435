using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// <c>POST /webhooks/raw</c>: one <c>message/rfc822</c> body, authenticated by <c>Authorization: Bearer</c>, for any
/// other intake (a Postfix pipe, another provider's inbound route). 401 wrong token, 415 another content type,
/// 413 too large, 400 empty, 503 when RabbitMQ did not confirm within <c>Webhooks:HandOverTimeout</c> of the request's
/// arrival (<see cref="WebhookDeadline"/>), else 202. A delivery status notification
/// (<c>multipart/report; report-type=delivery-status</c>, a bounce of an SMTP transmission) is not harvested but
/// handed to <see cref="DeliveryStatusNotificationHandler"/>, which answers it.
/// </summary>
public sealed class RawMailHandler(
    IOptions<WebhooksOptions> options,
    HarvestIntake queue,
    DeliveryStatusNotificationHandler bounces,
    ReturnPathTelemetry telemetry,
    TimeProvider time,
    ILogger<RawMailHandler> logger)
{
    /// <summary>The endpoint's path.</summary>
    public const string Path = "/webhooks/raw";

    /// <summary>The endpoint name in metrics and logs.</summary>
    public const string Endpoint = "raw";
    private readonly WebhookSecret _token = new(options.Value.RawTokenFile);

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = options.Value;
        var deadline = new WebhookDeadline(o.HandOverTimeout, time);
        var authorization = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        var refusal = authorization.Length == 0 ? WebhookRefusal.CredentialsMissing
            : authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) ? _token.Check(authorization[scheme.Length..].Trim())
            : WebhookRefusal.SchemeNotAccepted;
        if (refusal is not null)
        {
            await RefuseAsync(context, refusal, "missing or wrong bearer token");
            return;
        }

        if (!string.Equals(context.Request.ContentType?.Split(';')[0].Trim(), "message/rfc822", StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, WebhookRefusal.UnsupportedMediaType, "the body must be Content-Type: message/rfc822");
            return;
        }

        byte[] mail;
        try
        {
            mail = await RequestBody.ReadAsync(context, o.MaxMailBytes, context.RequestAborted);
        }
        catch (RelayBatchException refused)
        {
            await RefuseAsync(context, WebhookRefusal.Of(refused), refused.Message);
            return;
        }

        if (mail.Length == 0)
        {
            await RefuseAsync(context, WebhookRefusal.Malformed, "the body is empty");
            return;
        }

        if (Delivery.Dsn.DeliveryStatusReportReader.IsReport(mail))
        {
            await bounces.HandleAsync(context, mail, deadline);
            return;
        }

        var harvest = new HarvestCertificate
        {
            RequestId = HarvestIntake.RequestIdFor(mail),
            Mail = mail,
            Source = "raw",
            ReceivedAt = time.GetUtcNow(),
        };
        try
        {
            await deadline.RunAsync(token => queue.EnqueueAsync(harvest, token), logger, Endpoint);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await WebhookAnswers.HandOverFailedAsync(context, telemetry, logger, Endpoint, ex, "The mail could not be queued; retry later.");
            return;
        }

        telemetry.RecordWebhookEntry(Endpoint, "accepted");
        telemetry.RecordWebhookRequest(Endpoint, StatusCodes.Status202Accepted);
        await WebhookAnswers.CountsAsync(context, StatusCodes.Status202Accepted, 1, 0);
    }

    private Task RefuseAsync(HttpContext context, WebhookRefusal refusal, string answer) =>
        WebhookAnswers.RefusedAsync(context, telemetry, logger, Endpoint, refusal, answer);
}
