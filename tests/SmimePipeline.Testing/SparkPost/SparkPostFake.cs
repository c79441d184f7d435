using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmimePipeline.Testing.SparkPost;

/// <summary>
/// A stand-in for SparkPost's Transmissions API (SparkPost's servers cannot run here), on
/// 127.0.0.1 with a free port. It follows the documented contract: <c>POST /api/v1/transmissions</c>,
/// the API key in the <c>Authorization</c> header (401 otherwise), JSON only (415), 20 MB content
/// limit (413), request validation that rejects what SparkPost rejects (422 code 1400 for a missing
/// required field such as recipients or content, 422 code 1300 for a wrong type or an address that
/// is not one), the documented error body <c>{"errors":[{"message","description","code"}]}</c> and
/// success body <c>{"results":{"total_rejected_recipients","total_accepted_recipients","id"}}</c>.
/// Faults are injected per test: outages (503), 429 bursts, slow answers (timeouts), recipients
/// refused with code 1902, and a wrong key (401).
/// </summary>
public sealed class SparkPostFake : IAsyncDisposable
{
    /// <summary>
    /// The timeout the tests give a sender of this fake when the timeout is not what they test: SparkPost's own default
    /// (<c>SparkPostOptions.Timeout</c>, 30 s). Until session 18 the tests set 5 s, which a loaded 2-core host could pass on
    /// a request the fake then answered 200: the sender records the outcome unknown and sends the mail again, and a test
    /// that counts one acceptance per mail fails on a correct build (ConcurrentHandOverTests held its answers 2 s of those 5).
    /// </summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(30);

    private const long ContentLimitBytes = 20_000_000;
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedTransmission> _requests = new();
    private readonly ConcurrentQueue<(int Status, string? Code)> _scriptedFailures = new();
    private readonly ConcurrentQueue<(int Status, byte[] Body, string ContentType)> _scriptedAnswers = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _answeredAt = new(StringComparer.Ordinal);
    private long _nextId = 84_000_000_000_000_000;
    private volatile bool _down;

    private SparkPostFake(WebApplication app, string apiKey)
    {
        _app = app;
        ApiKey = apiKey;
        Webhooks = new SparkPostWebhookRegistry(() => ApiKey);
    }

    /// <summary>SparkPost's set-up APIs: inbound domains, relay webhooks, event webhooks (same API key).</summary>
    public SparkPostWebhookRegistry Webhooks { get; }

    /// <summary>The key the fake accepts in the Authorization header.</summary>
    public string ApiKey { get; set; }

    /// <summary>The API base URL to configure as <c>SparkPost:BaseUrl</c>, e.g. <c>http://127.0.0.1:PORT/api/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Recipients answered with 400 code 1902 (a permanent refusal).</summary>
    public ConcurrentDictionary<string, bool> RefusedRecipients { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long the fake waits before answering (to provoke client timeouts). Default none.</summary>
    public TimeSpan AnswerDelay { get; set; }

    /// <summary>
    /// When set, every request waits (after <see cref="AnswerDelay"/>) until this task completes before it is answered and
    /// recorded: a test holds the answer while it does something at a known point of the hand-over (stops the ledger),
    /// rather than racing a fixed delay. Default none. A client that gives up meanwhile is treated as during
    /// <see cref="AnswerDelay"/>.
    /// </summary>
    public Task? AnswerWhen { get; set; }

    /// <summary>
    /// When true, a request whose client goes away during <see cref="AnswerDelay"/> still counts as accepted
    /// (status 200 recorded, no answer written), as with SparkPost, which accepts a transmission when it
    /// arrives. Default false: an abandoned request is recorded with status 0 and not accepted.
    /// </summary>
    public bool AbandonedRequestsAreAccepted { get; set; }

    /// <summary>Every request received, in order.</summary>
    public IReadOnlyList<RecordedTransmission> Requests => _requests.ToList();

    /// <summary>Accepted transmissions per mail id.</summary>
    public IReadOnlyDictionary<string, int> AcceptedByMailId => _requests
        .Where(r => r.Status == 200 && r.MailId is not null)
        .GroupBy(r => r.MailId!)
        .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// When the answer of each accepted transmission (by transmission id) had been handed to the socket:
    /// the moment from which the mail counts as accepted by the ESP.
    /// </summary>
    public IReadOnlyDictionary<string, DateTimeOffset> AnsweredAtByTransmissionId => _answeredAt;

    /// <summary>While true every request gets 503 Service Unavailable (SparkPost down for everyone).</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    /// <summary>Starts the fake on 127.0.0.1 with a free port.</summary>
    public static async Task<SparkPostFake> StartAsync(string apiKey = "test-api-key-0123456789")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        var app = builder.Build();
        var fake = new SparkPostFake(app, apiKey);
        app.MapPost("/api/v1/transmissions", fake.HandleAsync);
        fake.Webhooks.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.BaseUrl = new Uri(address.TrimEnd('/') + "/api/v1");
        return fake;
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (with SparkPost error <paramref name="code"/>).</summary>
    public void FailNext(int count, int status, string? code = null)
    {
        for (var i = 0; i < count; i++)
        {
            _scriptedFailures.Enqueue((status, code));
        }
    }

    /// <summary>
    /// How long SparkPost waits for the answer to a webhook request before it counts the batch failed ("Webhooks posting to
    /// your endpoint will timeout after 10 seconds", SparkPost's webhook documentation).
    /// </summary>
    public static readonly TimeSpan WebhookTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Posts an event webhook batch to <paramref name="target"/> as SparkPost does: JSON, the batch id in
    /// <c>X-MessageSystems-Batch-ID</c> (the same id on every retry of the batch), and the webhook's credentials. The
    /// client waits <paramref name="timeout"/> (default 120 s, a loaded test host's margin; <see cref="WebhookTimeout"/>
    /// to wait exactly as long as SparkPost).
    /// </summary>
    public static async Task<HttpResponseMessage> PostEventBatchAsync(Uri target, string batchId, System.Net.Http.Headers.AuthenticationHeaderValue? authorization, string batchJson, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(120) };
        using var request = new HttpRequestMessage(HttpMethod.Post, target)
        {
            Content = new StringContent(batchJson, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-MessageSystems-Batch-ID", batchId);
        request.Headers.UserAgent.ParseAdd("SparkPost");
        request.Headers.Authorization = authorization;
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>
    /// The next request (after authentication) gets exactly <paramref name="status"/> with <paramref name="body"/>,
    /// whatever its shape: for answers SparkPost's documentation does not promise (wrong types, HTML, garbage).
    /// </summary>
    public void AnswerNext(int status, byte[] body, string contentType = "application/json")
        => _scriptedAnswers.Enqueue((status, body, contentType));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        var receivedAt = DateTimeOffset.UtcNow;
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        var authorization = http.Request.Headers.Authorization.ToString();
        var contentType = http.Request.ContentType;
        string? mailId = null;
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("smime_mail_id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                mailId = id.GetString();
            }
        }
        catch (JsonException)
        {
            document = null;
        }

        using (document)
        {
            if (AnswerDelay > TimeSpan.Zero || AnswerWhen is not null)
            {
                try
                {
                    await Task.Delay(AnswerDelay, http.RequestAborted);
                    if (AnswerWhen is { } release)
                    {
                        await release.WaitAsync(http.RequestAborted);
                    }
                }
                catch (OperationCanceledException)
                {
                    if (AbandonedRequestsAreAccepted)
                    {
                        // Like SparkPost: the transmission was accepted when it arrived; the client only missed the answer.
                        var (abandonedStatus, _, abandonedId) = Answer(authorization, contentType, body, document);
                        _requests.Enqueue(new RecordedTransmission(mailId, authorization, contentType, body, receivedAt, abandonedStatus, abandonedId));
                        return;
                    }

                    _requests.Enqueue(new RecordedTransmission(mailId, authorization, contentType, body, receivedAt, 0, null));
                    return;
                }
            }

            if (authorization == ApiKey && _scriptedAnswers.TryDequeue(out var raw))
            {
                _requests.Enqueue(new RecordedTransmission(mailId, authorization, contentType, body, receivedAt, raw.Status, null));
                http.Response.StatusCode = raw.Status;
                http.Response.ContentType = raw.ContentType;
                if (raw.Status is not (204 or 205 or 304))
                {
                    await http.Response.Body.WriteAsync(raw.Body, http.RequestAborted);
                }

                return;
            }

            var (status, answer, transmissionId) = Answer(authorization, contentType, body, document);
            _requests.Enqueue(new RecordedTransmission(mailId, authorization, contentType, body, receivedAt, status, transmissionId));
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(answer, http.RequestAborted);
            if (transmissionId is not null)
            {
                // From here the client has the answer (or its connection broke after SparkPost accepted).
                await http.Response.CompleteAsync();
                _answeredAt[transmissionId] = DateTimeOffset.UtcNow;
            }
        }
    }

    private (int Status, string Body, string? TransmissionId) Answer(string authorization, string? contentType, string body, JsonDocument? document)
    {
        if (authorization != ApiKey)
        {
            return (401, Error("Unauthorized.", null, null), null);
        }

        if (_down)
        {
            return (503, Error("Service Unavailable", "The service is temporarily unavailable", null), null);
        }

        if (_scriptedFailures.TryDequeue(out var scripted))
        {
            return (scripted.Status, Error(scripted.Status == 429 ? "Too many requests" : "Injected failure", null, scripted.Code), null);
        }

        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (415, Error("Unsupported Media Type", "Content-Type must be application/json", null), null);
        }

        if (Encoding.UTF8.GetByteCount(body) > ContentLimitBytes)
        {
            return (413, Error("Request Entity Too Large", "Transmission content exceeds 20 MB", null), null);
        }

        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return (400, Error("invalid data format/type", "Problems parsing request as json", "1300"), null);
        }

        var root = document.RootElement;
        if (!root.TryGetProperty("recipients", out var recipients))
        {
            return (422, Error("required field is missing", "recipients is required", "1400"), null);
        }

        if (recipients.ValueKind != JsonValueKind.Array || recipients.GetArrayLength() == 0)
        {
            return (422, Error("invalid data format/type", "At least one valid recipient is required", "1300"), null);
        }

        var addresses = new List<string>();
        foreach (var recipient in recipients.EnumerateArray())
        {
            if (recipient.ValueKind != JsonValueKind.Object || !recipient.TryGetProperty("address", out var address))
            {
                return (422, Error("required field is missing", "recipients[].address is required", "1400"), null);
            }

            var email = address.ValueKind == JsonValueKind.String ? address.GetString()
                : address.ValueKind == JsonValueKind.Object && address.TryGetProperty("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()
                : null;
            if (email is null || !IsAddress(email))
            {
                return (422, Error("invalid data format/type", $"Invalid recipient address.email: {email}", "1300"), null);
            }

            addresses.Add(email);
        }

        if (!root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
        {
            return (422, Error("required field is missing", "content object is required", "1400"), null);
        }

        if (!content.TryGetProperty("email_rfc822", out var rfc822) || rfc822.ValueKind != JsonValueKind.String)
        {
            return (422, Error("required field is missing", "content.email_rfc822 (or html/text with from and subject) is required", "1400"), null);
        }

        var mime = rfc822.GetString()!;
        var headerEnd = mime.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = headerEnd < 0 ? mime : mime[..headerEnd];
        if (!headers.StartsWith("From:", StringComparison.OrdinalIgnoreCase) && !headers.Contains("\r\nFrom:", StringComparison.OrdinalIgnoreCase))
        {
            return (422, Error("invalid data format/type", "content.email_rfc822 has no From header", "1300"), null);
        }

        if (addresses.Any(RefusedRecipients.ContainsKey))
        {
            return (400, Error("Message generation rejected", "recipient address was suppressed due to customer policy", "1902"), null);
        }

        var transmissionId = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);
        var result = JsonSerializer.Serialize(new
        {
            results = new { total_rejected_recipients = 0, total_accepted_recipients = addresses.Count, id = transmissionId },
        });
        return (200, result, transmissionId);
    }

    private static bool IsAddress(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < email.Length - 1 && !email.Contains(' ', StringComparison.Ordinal);
    }

    private static string Error(string message, string? description, string? code)
    {
        var error = new Dictionary<string, string> { ["message"] = message };
        if (description is not null)
        {
            error["description"] = description;
        }

        if (code is not null)
        {
            error["code"] = code;
        }

        return JsonSerializer.Serialize(new { errors = new[] { error } });
    }
}
