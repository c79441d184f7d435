using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmimePipeline.Worker.Telemetry;

/// <summary>
/// The return path's instruments, on the pipeline's Meter (<see cref="SmimeTelemetry.Name"/>): harvests by
/// outcome, webhook requests and entries by endpoint and outcome.
/// </summary>
public sealed class ReturnPathTelemetry
{
    private readonly Counter<long> _harvests;
    private readonly Counter<long> _webhookRequests;
    private readonly Counter<long> _webhookEntries;
    private readonly Counter<long> _webhookRefusals;
    private readonly Counter<long> _espEvents;
    private readonly Counter<long> _bounces;

    public ReturnPathTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(SmimeTelemetry.Name);
        _harvests = meter.CreateCounter<long>("smime.harvests", "{mail}", "Inbound signed mails by harvest outcome: harvested, or the refusal's reason (dkim-failed, dkim-not-aligned, not-signed, chain-not-trusted, …).");
        _webhookRequests = meter.CreateCounter<long>("smime.webhook.requests", "{request}", "Webhook requests by endpoint and HTTP status.");
        _webhookEntries = meter.CreateCounter<long>("smime.webhook.entries", "{entry}", "Entries of webhook batches by endpoint and outcome: accepted, or the reason one was dropped.");
        _webhookRefusals = meter.CreateCounter<long>("smime.webhook.refusals", "{request}", "Webhook requests refused as a whole, by endpoint and reason (credentials-missing, credentials-wrong, scheme-not-accepted, secret-unavailable, malformed, too-large, …).");
        _espEvents = meter.CreateCounter<long>("smime.esp.events", "{event}", "ESP events about our mails by type (delivery, bounce, delay, out_of_band, policy_rejection, spam_complaint, other types), each counted once.");
        _bounces = meter.CreateCounter<long>("smime.esp.bounces", "{event}", "Bounces by the ESP's bounce class and hard/soft.");
    }

    /// <summary>Counts one harvest: <paramref name="outcome"/> is <c>harvested</c> or a refusal's reason code.</summary>
    public void RecordHarvest(string outcome) => _harvests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts one webhook request with the status it was answered.</summary>
    public void RecordWebhookRequest(string endpoint, int status) =>
        _webhookRequests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", status));

    /// <summary>
    /// Counts one request refused as a whole: by <paramref name="status"/> in <c>smime.webhook.requests</c> and by
    /// <paramref name="reason"/> (a <c>WebhookRefusal</c> code, never text from the request) in <c>smime.webhook.refusals</c>.
    /// </summary>
    public void RecordWebhookRefusal(string endpoint, string reason, int status)
    {
        RecordWebhookRequest(endpoint, status);
        _webhookRefusals.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>
    /// Starts at 0 the series of a served endpoint (session 22): its requests by each of <paramref name="statuses"/> and its
    /// refusals by each of <paramref name="refusalReasons"/>, so that the first refusal is seen by <c>increase()</c> and an
    /// endpoint that has accepted nothing since it started shows 0 accepted rather than no series at all.
    /// </summary>
    public void StartWebhookSeries(string endpoint, IEnumerable<int> statuses, IEnumerable<string> refusalReasons)
    {
        CounterSeries.StartAtZero(_webhookRequests, statuses.Select(status => new TagList { { "endpoint", endpoint }, { "status", status } }));
        CounterSeries.StartAtZero(_webhookRefusals, refusalReasons.Select(reason => new TagList { { "endpoint", endpoint }, { "reason", reason } }));
    }

    /// <summary>Starts <c>smime.esp.events</c> at 0 for each of <paramref name="types"/> (of <see cref="KnownEventTypes"/>, or <see cref="Other"/>).</summary>
    public void StartEspEventSeries(IEnumerable<string> types) => CounterSeries.StartAtZero(_espEvents, "type", types);

    /// <summary>Counts one batch entry: <paramref name="outcome"/> is <c>accepted</c> or why it was dropped.</summary>
    public void RecordWebhookEntry(string endpoint, string outcome) =>
        _webhookEntries.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>
    /// Counts one new ESP event of <paramref name="type"/> (a redelivered one is not counted again). The type comes from the
    /// request body: one that is not a SparkPost event type or a DSN action (<see cref="KnownEventTypes"/>) is counted as
    /// <c>other</c>, so that a caller cannot add a series per string it sends (the log line keeps the type it sent).
    /// </summary>
    public void RecordEspEvent(string type) =>
        _espEvents.Add(1, new KeyValuePair<string, object?>("type", type is not null && KnownEventTypes.Contains(type) ? type : Other));

    /// <summary>
    /// Counts one new bounce by class: SparkPost's bounce classes are 1 to 100; a class outside them, which only a request
    /// body can bring, is counted as <c>other</c>, and a bounce without one as <c>unknown</c>.
    /// </summary>
    public void RecordBounce(int? bounceClass, bool hard) =>
        _bounces.Add(
            1,
            new KeyValuePair<string, object?>("class", bounceClass switch
            {
                null => "unknown",
                >= 1 and <= 100 => bounceClass.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => Other,
            }),
            new KeyValuePair<string, object?>("hard", hard));

    /// <summary>The tag value of an event type or bounce class that is not one the ESP defines.</summary>
    public const string Other = "other";

    /// <summary>
    /// The <c>type</c> values <c>smime.esp.events</c> keeps: SparkPost's webhook event types (message, engagement,
    /// generation, unsubscribe and relay events) and the DSN actions of RFC 3464 section 2.3.3 (<c>dsn_failed</c>, …).
    /// </summary>
    public static readonly FrozenSet<string> KnownEventTypes = FrozenSet.ToFrozenSet(
    [
        "injection", "delivery", "bounce", "delay", "out_of_band", "policy_rejection", "spam_complaint", "sms_status",
        "open", "initial_open", "click", "amp_open", "amp_initial_open", "amp_click",
        "generation_failure", "generation_rejection", "list_unsubscribe", "link_unsubscribe",
        "relay_injection", "relay_rejection", "relay_delivery", "relay_tempfail", "relay_permfail",
        "dsn_failed", "dsn_delayed", "dsn_delivered", "dsn_relayed", "dsn_expanded",
    ], StringComparer.Ordinal);
}
