using System.Text.Json;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// The envelope every SparkPost webhook batch shares (relay and event webhooks alike): one JSON array, at most
/// 16 levels deep, no comments or trailing commas, at most a given number of entries. Each entry is read by the
/// caller's reader, which checks its fields.
/// </summary>
public static class WebhookBatch
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses <paramref name="body"/> and reads each element with <paramref name="readEntry"/> (its index, the element).</summary>
    /// <param name="body">The request body.</param>
    /// <param name="maxEntries">The most entries accepted.</param>
    /// <param name="entriesName">What the array holds, for the error message (e.g. "events").</param>
    /// <param name="readEntry">Reads one element; the element is valid only during the call.</param>
    /// <returns>One entry per array element, in order.</returns>
    /// <exception cref="RelayBatchException">400 when the body is not JSON or not an array; 413 when it has more than <paramref name="maxEntries"/> entries.</exception>
    public static List<T> Read<T>(ReadOnlyMemory<byte> body, int maxEntries, string entriesName, Func<int, JsonElement, T> readEntry)
    {
        ArgumentNullException.ThrowIfNull(readEntry);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new RelayBatchException(StatusCodes.Status400BadRequest, $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new RelayBatchException(StatusCodes.Status400BadRequest, $"The body must be a JSON array of {entriesName}, not {document.RootElement.ValueKind}.");
            }

            int count = document.RootElement.GetArrayLength();
            if (count > maxEntries)
            {
                throw new RelayBatchException(StatusCodes.Status413PayloadTooLarge, $"The batch has {count} entries; at most {maxEntries} are accepted.");
            }

            var entries = new List<T>(count);
            int index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                entries.Add(readEntry(index++, element));
            }

            return entries;
        }
    }
}
