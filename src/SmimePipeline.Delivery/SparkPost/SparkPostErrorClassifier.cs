using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SmimePipeline.Delivery.SparkPost;

/// <summary>
/// The one table that decides what a SparkPost Transmissions API answer means for the mail. It is
/// repeated in README.md ("SparkPost answers"); keep the two identical. It is total: every status and
/// every body (not JSON, JSON of another shape, wrong types, huge) maps to a class, and nothing throws.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>401, 403</term><description>Configuration: wrong or under-privileged API key; stop consuming, keep the mail, alert.</description></item>
/// <item><term>404, 405, any 1xx or 3xx</term><description>Configuration: the API is not where <c>BaseUrl</c> points (or a proxy answers instead).</description></item>
/// <item><term>420, or error code 2101 / 2103</term><description>Quota: sending limit reached; long back-off.</description></item>
/// <item><term>429, 408, 5xx (and anything above 599 or below 100), error code 1502</term><description>Transient: retry through the ladder.</description></item>
/// <item><term>400 with 1200, 1901, 1902, 7000, 7001; 413; 415; 422 with 1300, 1400, 3002, 3020</term><description>Permanent: dead-letter at once.</description></item>
/// <item><term>any other 4xx</term><description>Permanent: the request itself is wrong and retrying it unchanged cannot help.</description></item>
/// </list>
/// Timeouts and connection failures (no HTTP answer) are transient; see <see cref="SparkPostTransport"/>.
/// </remarks>
public static class SparkPostErrorClassifier
{
    /// <summary>The longest answer text kept for logs, headers and events.</summary>
    public const int MaxAnswerTextLength = 300;

    /// <summary>Classifies an HTTP error status and the first error code in SparkPost's error body (if any).</summary>
    public static DeliveryFailureKind Classify(int status, int? errorCode) => (status, errorCode) switch
    {
        (401 or 403, _) => DeliveryFailureKind.Configuration,
        (404 or 405, _) => DeliveryFailureKind.Configuration,
        (>= 100 and < 200, _) or (>= 300 and < 400, _) => DeliveryFailureKind.Configuration,
        (420, _) or (_, 2101 or 2103) => DeliveryFailureKind.Quota,
        (429 or 408, _) or (>= 500, _) or (< 100, _) or (_, 1502) => DeliveryFailureKind.Transient,
        (400, 1200 or 1901 or 1902 or 7000 or 7001) => DeliveryFailureKind.Permanent,
        (413 or 415, _) => DeliveryFailureKind.Permanent,
        (422, 1300 or 1400 or 3002 or 3020) => DeliveryFailureKind.Permanent,
        _ => DeliveryFailureKind.Permanent,
    };

    /// <summary>
    /// Classifies a non-success answer from its status and raw body. Never throws: a body that is not
    /// SparkPost's <c>{"errors":[{"message","description","code"}]}</c> (HTML from a proxy, other JSON,
    /// wrong types such as <c>{"errors":[{"message":5}]}</c>, truncated or huge) is classified by the
    /// status alone, with the start of the body as its text.
    /// </summary>
    public static SparkPostFailure ClassifyAnswer(int status, ReadOnlySpan<byte> body)
    {
        var (code, text) = ReadFirstError(body);
        var kind = Classify(status, code);
        return new SparkPostFailure(kind, code, text, ReasonCodeFor(kind));
    }

    /// <summary>The reason code of a SparkPost failure of <paramref name="kind"/>.</summary>
    public static string ReasonCodeFor(DeliveryFailureKind kind) => kind switch
    {
        DeliveryFailureKind.Configuration => "esp-configuration",
        DeliveryFailureKind.Quota => "esp-quota",
        DeliveryFailureKind.Transient => "esp-unavailable",
        _ => "esp-rejected",
    };

    /// <summary>Formats an answer for logs and dead-letter headers: <c>HTTP 400 code 1902: text</c>.</summary>
    public static string Describe(int status, SparkPostFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var statusText = status.ToString(CultureInfo.InvariantCulture);
        return failure.ErrorCode is { } code
            ? $"HTTP {statusText} code {code.ToString(CultureInfo.InvariantCulture)}: {failure.Text}"
            : $"HTTP {statusText}: {failure.Text}";
    }

    private static (int? Code, string Text) ReadFirstError(ReadOnlySpan<byte> body)
    {
        if (TryReadFirstError(body, out var code, out var text))
        {
            return (code, text);
        }

        // Not SparkPost's error JSON: the status code alone classifies it; keep the start of the body for operators.
        return (null, Clip(Encoding.UTF8.GetString(body[..Math.Min(body.Length, MaxAnswerTextLength * 4)])));
    }

    private static bool TryReadFirstError(ReadOnlySpan<byte> body, out int? code, out string text)
    {
        code = null;
        text = "";
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
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("errors", out var errors)
                || errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0)
            {
                return false;
            }

            var first = errors[0];
            if (first.ValueKind != JsonValueKind.Object)
            {
                text = Clip(first.GetRawText());
                return true;
            }

            if (first.TryGetProperty("code", out var c))
            {
                code = c.ValueKind switch
                {
                    JsonValueKind.Number when c.TryGetInt32(out var number) => number,
                    JsonValueKind.String when int.TryParse(c.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => null,
                };
            }

            var parts = new[] { TextOf(first, "message"), TextOf(first, "description") }.Where(s => !string.IsNullOrEmpty(s));
            text = Clip(string.Join(": ", parts));
            return true;
        }
    }

    // A field as text whatever its JSON type: {"message":5} is "5", not an exception.
    private static string? TextOf(JsonElement error, string name)
    {
        if (!error.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        };
    }

    private static string Clip(string text)
    {
        var clean = new StringBuilder(Math.Min(text.Length, MaxAnswerTextLength));
        foreach (var ch in text)
        {
            if (clean.Length == MaxAnswerTextLength)
            {
                break;
            }

            // One line in logs and headers: no control characters from whatever answered.
            clean.Append(char.IsControl(ch) ? ' ' : ch);
        }

        return clean.ToString();
    }
}
