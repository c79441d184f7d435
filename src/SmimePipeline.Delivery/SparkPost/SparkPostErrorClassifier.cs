namespace SmimePipeline.Delivery.SparkPost;

/// <summary>
/// The one table that decides what a SparkPost Transmissions API answer means for the mail. It is
/// repeated in README.md ("SparkPost answers"); keep the two identical.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>401, 403</term><description>Configuration: wrong or under-privileged API key; stop consuming, keep the mail, alert.</description></item>
/// <item><term>420, or error code 2101 / 2103</term><description>Quota: sending limit reached; long back-off.</description></item>
/// <item><term>429, 5xx, 408, error code 1502</term><description>Transient: retry through the ladder.</description></item>
/// <item><term>400 with 1200, 1901, 1902, 7000, 7001; 413; 415; 422 with 1300, 1400, 3002, 3020</term><description>Permanent: dead-letter at once.</description></item>
/// <item><term>any other 4xx</term><description>Permanent: the request itself is wrong and retrying it unchanged cannot help.</description></item>
/// </list>
/// Timeouts and connection failures (no HTTP answer) are transient; see <see cref="SparkPostTransport"/>.
/// </remarks>
public static class SparkPostErrorClassifier
{
    /// <summary>Classifies an HTTP error status and the first error code in SparkPost's error body (if any).</summary>
    public static DeliveryFailureKind Classify(int status, int? errorCode) => (status, errorCode) switch
    {
        (401 or 403, _) => DeliveryFailureKind.Configuration,
        (420, _) or (_, 2101 or 2103) => DeliveryFailureKind.Quota,
        (429 or 408, _) or (>= 500, _) or (_, 1502) => DeliveryFailureKind.Transient,
        (400, 1200 or 1901 or 1902 or 7000 or 7001) => DeliveryFailureKind.Permanent,
        (413 or 415, _) => DeliveryFailureKind.Permanent,
        (422, 1300 or 1400 or 3002 or 3020) => DeliveryFailureKind.Permanent,
        _ => DeliveryFailureKind.Permanent,
    };
}
