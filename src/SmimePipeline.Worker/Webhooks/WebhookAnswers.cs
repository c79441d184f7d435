using System.Text.Json;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Writes the webhooks' JSON answers (<c>{"error": "…"}</c> or counts); never echoes request content.</summary>
internal static class WebhookAnswers
{
    /// <summary>
    /// Refuses a whole request: counts it (<c>smime.webhook.requests</c> by status, <c>smime.webhook.refusals</c> by
    /// reason), writes log line 1602 with the reason and answers <paramref name="answer"/>, which must tell the caller
    /// nothing the reason code keeps from it (one text for every credentials reason).
    /// </summary>
    public static Task RefusedAsync(HttpContext context, ReturnPathTelemetry telemetry, ILogger logger, string endpoint, WebhookRefusal refusal, string answer)
    {
        telemetry.RecordWebhookRefusal(endpoint, refusal.Reason, refusal.Status);
        ReturnPathLog.WebhookRequestRefused(logger, endpoint, context.Connection.RemoteIpAddress?.ToString(), refusal.Status, refusal.Reason, answer);
        return ErrorAsync(context, refusal.Status, answer);
    }

    /// <summary>
    /// Answers 503 (with <c>Retry-After</c>) a request whose hand-over to the ledger or RabbitMQ did not end in time
    /// (<see cref="WebhookDeadlineException"/>: <c>hand-over-timeout</c>, log line 1611) or failed (<c>hand-over-failed</c>,
    /// 1605), counted in <c>smime.webhook.requests</c> and by that reason in <c>smime.webhook.refusals</c>.
    /// </summary>
    public static Task HandOverFailedAsync(HttpContext context, ReturnPathTelemetry telemetry, ILogger logger, string endpoint, Exception failure, string answer)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var refusal = failure is WebhookDeadlineException ? WebhookRefusal.HandOverTimedOut : WebhookRefusal.HandOverFailed;
        telemetry.RecordWebhookRefusal(endpoint, refusal.Reason, refusal.Status);
        if (failure is WebhookDeadlineException late)
        {
            ReturnPathLog.WebhookHandOverTimedOut(logger, endpoint, late.Limit);
        }
        else
        {
            ReturnPathLog.WebhookHandOverFailed(logger, endpoint, failure.GetType().Name + ": " + failure.Message);
        }

        return ErrorAsync(context, refusal.Status, answer);
    }

    public static Task ErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized && context.Request.Path.StartsWithSegments("/webhooks/raw", StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "30";
        }

        return WriteAsync(context, writer => writer.WriteString("error", message));
    }

    public static Task CountsAsync(HttpContext context, int status, int accepted, int dropped)
    {
        context.Response.StatusCode = status;
        return WriteAsync(context, writer =>
        {
            writer.WriteNumber("accepted", accepted);
            writer.WriteNumber("dropped", dropped);
        });
    }

    private static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(buffer.ToArray());
    }
}
