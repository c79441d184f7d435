using System.Text.Json;

namespace SmimePipeline.Delivery.SparkPost;

/// <summary>
/// Reads SparkPost's success answer <c>{"results":{"id","total_accepted_recipients","total_rejected_recipients"}}</c>
/// without ever throwing: any other shape, type or size is "unreadable".
/// </summary>
public static class SparkPostReceiptReader
{
    /// <summary>
    /// Reads the transmission id and the recipient counts. A missing accepted count means all
    /// <paramref name="recipients"/>; a missing rejected count means none.
    /// </summary>
    /// <returns>False when the body is not a readable success answer (not JSON, no <c>results.id</c>, wrong types, negative counts).</returns>
    public static bool TryRead(ReadOnlySpan<byte> body, int recipients, out string? id, out long accepted, out long rejected)
    {
        id = null;
        accepted = recipients;
        rejected = 0;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Object
                || !results.TryGetProperty("id", out var idElement))
            {
                return false;
            }

            id = idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString(),
                JsonValueKind.Number => idElement.GetRawText(),
                _ => null,
            };
            if (string.IsNullOrEmpty(id))
            {
                return false;
            }

            return TryCount(results, "total_accepted_recipients", recipients, out accepted)
                && TryCount(results, "total_rejected_recipients", 0, out rejected);
        }
    }

    private static bool TryCount(JsonElement results, string name, long absent, out long count)
    {
        count = absent;
        if (!results.TryGetProperty(name, out var value))
        {
            return true;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out count) && count >= 0;
    }
}
