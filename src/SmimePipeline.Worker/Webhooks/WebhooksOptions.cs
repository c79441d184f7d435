using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// The webhooks role's settings, bound from <c>SmimePipeline:Webhooks</c>. Every secret comes from a file (a
/// mounted Kubernetes Secret) and is re-read when the file changes; an endpoint whose secret is not configured
/// is not served.
/// </summary>
public sealed class WebhooksOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SmimePipeline:Webhooks";

    /// <summary>
    /// A file holding the token SparkPost sends in <c>X-MessageSystems-Webhook-Token</c> with relay batches (the
    /// relay webhook's <c>auth_token</c>). Empty (default): <c>/webhooks/sparkpost/relay</c> is not served.
    /// </summary>
    public string RelayTokenFile { get; set; } = "";

    /// <summary>
    /// A file holding the bearer token of the raw intake (<c>POST /webhooks/raw</c>, one <c>message/rfc822</c>
    /// body). Empty (default): not served.
    /// </summary>
    public string RawTokenFile { get; set; } = "";

    /// <summary>
    /// The user name SparkPost presents with Basic authentication on event batches (the event webhook's
    /// <c>auth_type: basic</c>); used with <see cref="EventsPasswordFile"/>.
    /// </summary>
    public string EventsUserName { get; set; } = "";

    /// <summary>A file holding the Basic authentication password of event batches. Empty: Basic is not accepted.</summary>
    public string EventsPasswordFile { get; set; } = "";

    /// <summary>
    /// A file holding the bearer token accepted on event batches (<c>auth_type: oauth2</c>: the access token your
    /// token endpoint issues to SparkPost). Empty: bearer is not accepted. With neither this nor
    /// <see cref="EventsPasswordFile"/>, <c>/webhooks/sparkpost/events</c> is not served.
    /// </summary>
    public string EventsBearerTokenFile { get; set; } = "";

    /// <summary>Whether <c>/webhooks/sparkpost/relay</c> is served (<see cref="RelayTokenFile"/> set).</summary>
    public bool ServesRelay => !string.IsNullOrWhiteSpace(RelayTokenFile);

    /// <summary>Whether <c>/webhooks/raw</c> is served (<see cref="RawTokenFile"/> set).</summary>
    public bool ServesRaw => !string.IsNullOrWhiteSpace(RawTokenFile);

    /// <summary>Whether <c>/webhooks/sparkpost/events</c> is served (<see cref="EventsPasswordFile"/> or <see cref="EventsBearerTokenFile"/> set).</summary>
    public bool ServesEvents => !string.IsNullOrWhiteSpace(EventsPasswordFile) || !string.IsNullOrWhiteSpace(EventsBearerTokenFile);

    /// <summary>The largest request body accepted, in bytes. Default 50,000,000 (a 20 MB mail in base64 JSON, twice).</summary>
    public long MaxRequestBytes { get; set; } = 50_000_000;

    /// <summary>The largest single mail accepted, in bytes (after base64 decoding). Default 20,000,000, as <see cref="MessageSizeLimits"/>.</summary>
    public int MaxMailBytes { get; set; } = MessageSizeLimits.DefaultMaxMessageBytes;

    /// <summary>The most entries one batch may carry. Default 1000.</summary>
    public int MaxBatchEntries { get; set; } = 1000;

    /// <summary>
    /// SparkPost's time for a webhook request: a batch not answered within it is counted failed and sent again later, and
    /// a later answer is never read (its webhook documentation: "Webhooks posting to your endpoint will timeout after 10
    /// seconds").
    /// </summary>
    public static readonly TimeSpan SparkPostAnswerLimit = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request may take from its arrival (the body's upload included) through the hand-over of its batch to
    /// the ledger and RabbitMQ (publisher confirms) before it is answered 503, so that the provider reads the answer and
    /// retries (<see cref="WebhookDeadline"/>). Default 8 s, inside <see cref="SparkPostAnswerLimit"/> with room for the
    /// network and the answer; while a SparkPost endpoint is served the worker refuses to start with 10 s or more.
    /// </summary>
    public TimeSpan HandOverTimeout { get; set; } = TimeSpan.FromSeconds(8);
}
