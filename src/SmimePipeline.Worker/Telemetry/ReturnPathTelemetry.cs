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

    public ReturnPathTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(SmimeTelemetry.Name);
        _harvests = meter.CreateCounter<long>("smime.harvests", "{mail}", "Inbound signed mails by harvest outcome: harvested, or the refusal's reason (dkim-failed, dkim-not-aligned, not-signed, chain-not-trusted, …).");
        _webhookRequests = meter.CreateCounter<long>("smime.webhook.requests", "{request}", "Webhook requests by endpoint and HTTP status.");
        _webhookEntries = meter.CreateCounter<long>("smime.webhook.entries", "{entry}", "Entries of webhook batches by endpoint and outcome: accepted, or the reason one was dropped.");
    }

    /// <summary>Counts one harvest: <paramref name="outcome"/> is <c>harvested</c> or a refusal's reason code.</summary>
    public void RecordHarvest(string outcome) => _harvests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts one webhook request with the status it was answered.</summary>
    public void RecordWebhookRequest(string endpoint, int status) =>
        _webhookRequests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", status));

    /// <summary>Counts one batch entry: <paramref name="outcome"/> is <c>accepted</c> or why it was dropped.</summary>
    public void RecordWebhookEntry(string endpoint, string outcome) =>
        _webhookEntries.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("outcome", outcome));
}
