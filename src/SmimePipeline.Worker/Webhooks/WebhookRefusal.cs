namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// Why a webhook request was refused as a whole, and the HTTP status it is answered with: the <c>reason</c> of
/// <c>smime.webhook.refusals</c> and of log line 1602. A bounded set, never text from the request. The answer to the
/// caller is the same for every credentials reason ("missing or wrong …"), so that a caller learns nothing from it; the
/// operator's metric and log line tell them apart (session 22).
/// </summary>
/// <param name="Reason">The stable, kebab-case reason code.</param>
/// <param name="Status">The HTTP status of the answer.</param>
public sealed record WebhookRefusal(string Reason, int Status)
{
    /// <summary>No credentials at all (401): a webhook created without authentication, or a proxy that drops the header.</summary>
    public static readonly WebhookRefusal CredentialsMissing = new("credentials-missing", StatusCodes.Status401Unauthorized);

    /// <summary>Credentials that are not ours (401): a secret rotated on one side only, another user name, or a stranger.</summary>
    public static readonly WebhookRefusal CredentialsWrong = new("credentials-wrong", StatusCodes.Status401Unauthorized);

    /// <summary>
    /// An authentication scheme the endpoint does not take (401): Bearer where only Basic is configured or the reverse (the
    /// event webhook's <c>auth_type</c> changed), or anything but Bearer on the raw endpoint.
    /// </summary>
    public static readonly WebhookRefusal SchemeNotAccepted = new("scheme-not-accepted", StatusCodes.Status401Unauthorized);

    /// <summary>
    /// Our own secret file cannot be read or holds fewer than <see cref="WebhookSecret.MinimumLength"/> characters (401 to
    /// every caller): the mounted Secret is missing, empty or unreadable.
    /// </summary>
    public static readonly WebhookRefusal SecretUnavailable = new("secret-unavailable", StatusCodes.Status401Unauthorized);

    /// <summary><c>X-MessageSystems-Batch-ID</c> is not a printable id of at most 128 characters (400).</summary>
    public static readonly WebhookRefusal BatchIdInvalid = new("batch-id-invalid", StatusCodes.Status400BadRequest);

    /// <summary>The body is not what the endpoint reads: not JSON, not a JSON array, or empty (400).</summary>
    public static readonly WebhookRefusal Malformed = new("malformed", StatusCodes.Status400BadRequest);

    /// <summary>The body or the batch is above <c>Webhooks:MaxRequestBytes</c>, <c>MaxMailBytes</c> or <c>MaxBatchEntries</c> (413).</summary>
    public static readonly WebhookRefusal TooLarge = new("too-large", StatusCodes.Status413PayloadTooLarge);

    /// <summary>The raw endpoint was sent another Content-Type than <c>message/rfc822</c> (415).</summary>
    public static readonly WebhookRefusal UnsupportedMediaType = new("unsupported-media-type", StatusCodes.Status415UnsupportedMediaType);

    /// <summary>A delivery status notification that is not readable RFC 3464 (400).</summary>
    public static readonly WebhookRefusal UnreadableReport = new("unreadable-report", StatusCodes.Status400BadRequest);

    /// <summary>A delivery status notification naming no mail id (422).</summary>
    public static readonly WebhookRefusal NoMailId = new("no-mail-id", StatusCodes.Status422UnprocessableEntity);

    /// <summary>A delivery status notification naming a mail id the delivery ledger does not know (422).</summary>
    public static readonly WebhookRefusal UnknownMailId = new("unknown-mail-id", StatusCodes.Status422UnprocessableEntity);

    /// <summary>
    /// The ledger or RabbitMQ did not take the batch within <c>Webhooks:HandOverTimeout</c> of the request's arrival (503 at
    /// that moment, so that SparkPost, which gives a batch 10 s, reads it and retries; session 23). Log line 1611.
    /// </summary>
    public static readonly WebhookRefusal HandOverTimedOut = new("hand-over-timeout", StatusCodes.Status503ServiceUnavailable);

    /// <summary>The ledger or RabbitMQ failed (down, refusing, unroutable) before the deadline (503, the provider retries). Log line 1605.</summary>
    public static readonly WebhookRefusal HandOverFailed = new("hand-over-failed", StatusCodes.Status503ServiceUnavailable);

    /// <summary>The refusals of <c>/webhooks/sparkpost/relay</c>.</summary>
    public static IReadOnlyList<WebhookRefusal> OfRelay { get; } =
        [CredentialsMissing, CredentialsWrong, SecretUnavailable, Malformed, TooLarge, HandOverTimedOut, HandOverFailed];

    /// <summary>The refusals of <c>/webhooks/sparkpost/events</c>.</summary>
    public static IReadOnlyList<WebhookRefusal> OfEvents { get; } =
        [CredentialsMissing, CredentialsWrong, SchemeNotAccepted, SecretUnavailable, BatchIdInvalid, Malformed, TooLarge, HandOverTimedOut, HandOverFailed];

    /// <summary>The refusals of <c>/webhooks/raw</c> before a body is read as a mail or a report.</summary>
    public static IReadOnlyList<WebhookRefusal> OfRaw { get; } =
        [CredentialsMissing, CredentialsWrong, SchemeNotAccepted, SecretUnavailable, UnsupportedMediaType, Malformed, TooLarge, HandOverTimedOut, HandOverFailed];

    /// <summary>The refusals of a delivery status notification posted to the raw endpoint.</summary>
    public static IReadOnlyList<WebhookRefusal> OfDsn { get; } = [UnreadableReport, NoMailId, UnknownMailId, HandOverTimedOut, HandOverFailed];

    /// <summary>The refusal a <see cref="RelayBatchException"/> stands for: 413 too large, anything else malformed.</summary>
    public static WebhookRefusal Of(RelayBatchException refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        return refused.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge : Malformed;
    }
}
