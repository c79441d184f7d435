using System.Text.Json;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>Writes the webhooks' JSON answers (<c>{"error": "…"}</c> or counts); never echoes request content.</summary>
internal static class WebhookAnswers
{
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
