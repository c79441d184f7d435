using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Webhooks;

/// <summary>
/// <c>POST /webhooks/sparkpost/events</c>: SparkPost event webhook batches, authenticated by Basic auth or an
/// OAuth2 bearer token. Each fate is recorded in the ledger once (keyed by SparkPost's <c>event_id</c>), published
/// on the bus once confirmed, and the batch marked done under its <c>X-MessageSystems-Batch-ID</c>; only then the
/// answer is 200. A batch already done is answered 200 at once (SparkPost retries a batch for hours). Any failure
/// of the ledger or the broker answers 503, and so does a batch not recorded within <c>Webhooks:HandOverTimeout</c>
/// (<see cref="WebhookDeadline"/>: SparkPost reads no answer after 10 s); the retried batch finishes what is missing:
/// recorded events not yet published are published then, none is counted twice.
/// </summary>
public sealed class EventWebhookHandler(
    IOptions<WebhooksOptions> options,
    IRecipientFateLedger ledger,
    RecipientFateRecorder fates,
    ReturnPathTelemetry telemetry,
    TimeProvider time,
    ILogger<EventWebhookHandler> logger)
{
    /// <summary>The endpoint's path.</summary>
    public const string Path = "/webhooks/sparkpost/events";

    /// <summary>The header carrying SparkPost's batch id.</summary>
    public const string BatchIdHeader = "X-MessageSystems-Batch-ID";

    /// <summary>The endpoint name in metrics and logs.</summary>
    public const string Endpoint = "sparkpost-events";
    private readonly WebhookSecret? _password = string.IsNullOrWhiteSpace(options.Value.EventsPasswordFile) ? null : new(options.Value.EventsPasswordFile);
    private readonly WebhookSecret? _bearer = string.IsNullOrWhiteSpace(options.Value.EventsBearerTokenFile) ? null : new(options.Value.EventsBearerTokenFile);

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var o = options.Value;
        var deadline = new WebhookDeadline(o.HandOverTimeout, time);
        if (Refusal(context.Request.Headers.Authorization.ToString(), o.EventsUserName) is { } refusal)
        {
            context.Response.Headers.WWWAuthenticate = _password is not null ? "Basic realm=\"smime-webhooks\"" : "Bearer";
            await RefuseAsync(context, refusal, "missing or wrong credentials");
            return;
        }

        var batchId = context.Request.Headers[BatchIdHeader].ToString();
        if (batchId.Length > 128 || batchId.Any(c => c is < '!' or > '~'))
        {
            await RefuseAsync(context, WebhookRefusal.BatchIdInvalid, $"{BatchIdHeader} is not a printable id of at most 128 characters");
            return;
        }

        IReadOnlyList<EventBatchEntry> entries;
        try
        {
            var body = await RequestBody.ReadAsync(context, o.MaxRequestBytes, context.RequestAborted);
            entries = EventBatchReader.Read(body, o.MaxBatchEntries);
        }
        catch (RelayBatchException refused)
        {
            await RefuseAsync(context, WebhookRefusal.Of(refused), refused.Message);
            return;
        }

        ReturnPathLog.WebhookBatchReceived(logger, Endpoint, batchId.Length > 0 ? batchId : "(no id)", entries.Count);
        int? recorded;
        try
        {
            recorded = await deadline.RunAsync(token => RecordBatchAsync(batchId, entries, token), logger, Endpoint);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await WebhookAnswers.HandOverFailedAsync(context, telemetry, logger, Endpoint, ex, "The batch could not be recorded; retry later.");
            return;
        }

        if (recorded is not { } fates)
        {
            ReturnPathLog.WebhookBatchDuplicate(logger, Endpoint, batchId);
            telemetry.RecordWebhookEntry(Endpoint, "duplicate-batch");
            telemetry.RecordWebhookRequest(Endpoint, StatusCodes.Status200OK);
            await WebhookAnswers.CountsAsync(context, StatusCodes.Status200OK, 0, 0);
            return;
        }

        ReturnPathLog.WebhookBatchAccepted(logger, Endpoint, fates, entries.Count, entries.Count - fates);
        telemetry.RecordWebhookRequest(Endpoint, StatusCodes.Status200OK);
        await WebhookAnswers.CountsAsync(context, StatusCodes.Status200OK, fates, entries.Count - fates);
    }

    /// <returns>How many entries are fates (recorded now or before), or null when the batch was done before.</returns>
    private async Task<int?> RecordBatchAsync(string batchId, IReadOnlyList<EventBatchEntry> entries, CancellationToken cancellationToken)
    {
        if (batchId.Length > 0 && await ledger.IsBatchDoneAsync(batchId, cancellationToken))
        {
            return null;
        }

        int recorded = 0;
        foreach (var entry in entries)
        {
            recorded += await ProcessAsync(entry, cancellationToken) ? 1 : 0;
        }

        if (batchId.Length > 0)
        {
            await ledger.MarkBatchDoneAsync(batchId, time.GetUtcNow(), cancellationToken);
        }

        return recorded;
    }

    /// <returns>True when the entry is a fate (recorded now or before).</returns>
    private async Task<bool> ProcessAsync(EventBatchEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Fate is not { } fate)
        {
            if (entry.Outcome == "ignored")
            {
                // Not a fate, but a real event: counted by type. A redelivered batch counts it again; these
                // carry no mail id of ours to key them by.
                telemetry.RecordEspEvent(entry.EventType);
                ReturnPathLog.EspEventIgnored(logger, entry.EventType, entry.Index);
            }
            else
            {
                ReturnPathLog.WebhookEntryDropped(logger, Endpoint, entry.Index, entry.Outcome, entry.Detail ?? entry.Outcome);
            }

            telemetry.RecordWebhookEntry(Endpoint, entry.Outcome);
            return false;
        }

        await fates.RecordAndPublishAsync(fate, cancellationToken);

        telemetry.RecordWebhookEntry(Endpoint, "accepted");
        return true;
    }

    /// <returns>Null when the credentials are ours, otherwise why not.</returns>
    private WebhookRefusal? Refusal(string authorization, string userName)
    {
        if (authorization.Length == 0)
        {
            return WebhookRefusal.CredentialsMissing;
        }

        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return _bearer is null ? WebhookRefusal.SchemeNotAccepted : _bearer.Check(authorization[7..].Trim());
        }

        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || _password is null)
        {
            return WebhookRefusal.SchemeNotAccepted;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
        }
        catch (FormatException)
        {
            return WebhookRefusal.CredentialsWrong;
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return WebhookRefusal.CredentialsWrong;
        }

        // Both parts are always checked, so timing does not tell which was wrong.
        bool user = CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(decoded[..colon])), SHA256.HashData(Encoding.UTF8.GetBytes(userName)));
        var password = _password.Check(decoded[(colon + 1)..]);
        if (password == WebhookRefusal.SecretUnavailable)
        {
            return password;
        }

        return user && password is null ? null : WebhookRefusal.CredentialsWrong;
    }

    private Task RefuseAsync(HttpContext context, WebhookRefusal refusal, string answer) =>
        WebhookAnswers.RefusedAsync(context, telemetry, logger, Endpoint, refusal, answer);
}
