using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SmimePipeline.Testing.SparkPost;

/// <summary>
/// The part of the SparkPost fake that stands in for the set-up APIs, following SparkPost's documented contract:
/// <c>POST/GET /api/v1/inbound-domains</c> (<c>{"domain"}</c>; 409 code 1602 when the domain exists),
/// <c>POST/GET /api/v1/relay-webhooks</c> (<c>name</c>, <c>target</c>, <c>auth_token</c>,
/// <c>match: {protocol: "SMTP", domain}</c>; the domain must be an inbound domain) and
/// <c>POST/GET /api/v1/webhooks</c> (<c>name</c>, <c>target</c>, <c>events</c>, <c>auth_type</c>
/// <c>none|basic|oauth2</c>, <c>auth_credentials</c>). The API key in <c>Authorization</c> (401 otherwise),
/// JSON only (415), 422 code 1400 for a missing required field, 400 code 1300 for a wrong value; success
/// <c>{"results":{"id":…}}</c>, lists <c>{"results":[…]}</c>, errors <c>{"errors":[{"message","description","code"}]}</c>.
/// </summary>
public sealed class SparkPostWebhookRegistry
{
    private static readonly HashSet<string> EventTypes = new(StringComparer.Ordinal)
    {
        "delivery", "injection", "bounce", "delay", "policy_rejection", "out_of_band", "open", "initial_open", "click",
        "generation_failure", "generation_rejection", "spam_complaint", "list_unsubscribe", "link_unsubscribe",
        "relay_injection", "relay_rejection", "relay_delivery", "relay_tempfail", "relay_permfail",
    };

    private readonly Func<string> _apiKey;
    private readonly ConcurrentDictionary<string, JsonObject> _domains = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<JsonObject> _relayWebhooks = new();
    private readonly ConcurrentQueue<JsonObject> _eventWebhooks = new();
    private long _nextId = 12_013_026_328_707_075;

    internal SparkPostWebhookRegistry(Func<string> apiKey) => _apiKey = apiKey;

    /// <summary>The inbound domains created, by name.</summary>
    public IReadOnlyCollection<string> InboundDomains => _domains.Keys.ToList();

    /// <summary>The relay webhooks created, as SparkPost stores them (auth_token included).</summary>
    public IReadOnlyList<JsonObject> RelayWebhooks => _relayWebhooks.ToList();

    /// <summary>The event webhooks created, as SparkPost stores them (auth_credentials included).</summary>
    public IReadOnlyList<JsonObject> EventWebhooks => _eventWebhooks.ToList();

    /// <summary>Every request to these APIs: method, path and the Authorization header as sent.</summary>
    public ConcurrentQueue<(string Method, string Path, string Authorization)> Requests { get; } = new();

    /// <summary>Adds an existing inbound domain (as if created earlier).</summary>
    public void AddInboundDomain(string domain) => _domains[domain] = new JsonObject { ["domain"] = domain };

    internal void Map(WebApplication app)
    {
        app.MapPost("/api/v1/inbound-domains", http => HandleAsync(http, CreateDomain));
        app.MapGet("/api/v1/inbound-domains", http => HandleAsync(http, _ => List(_domains.Values)));
        app.MapPost("/api/v1/relay-webhooks", http => HandleAsync(http, CreateRelayWebhook));
        app.MapGet("/api/v1/relay-webhooks", http => HandleAsync(http, _ => List(_relayWebhooks)));
        app.MapPost("/api/v1/webhooks", http => HandleAsync(http, CreateEventWebhook));
        app.MapGet("/api/v1/webhooks", http => HandleAsync(http, _ => List(_eventWebhooks)));
    }

    private async Task HandleAsync(HttpContext http, Func<JsonObject?, (int Status, JsonNode Body)> handle)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        Requests.Enqueue((http.Request.Method, http.Request.Path.Value ?? "", authorization));
        (int Status, JsonNode Body) answer;
        if (authorization != _apiKey())
        {
            answer = (401, Error("Unauthorized.", null, null));
        }
        else if (HttpMethods.IsGet(http.Request.Method))
        {
            answer = handle(null);
        }
        else if (!string.Equals(http.Request.ContentType?.Split(';')[0].Trim(), "application/json", StringComparison.OrdinalIgnoreCase))
        {
            answer = (415, Error("Unsupported Media Type", "Only application/json is supported", null));
        }
        else
        {
            JsonObject? body;
            try
            {
                body = await JsonNode.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted) as JsonObject;
            }
            catch (JsonException)
            {
                body = null;
            }

            answer = body is null ? (400, Error("invalid data format/type", "the body is not a JSON object", "1300")) : handle(body);
        }

        http.Response.StatusCode = answer.Status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(answer.Body.ToJsonString(), http.RequestAborted);
    }

    private (int, JsonNode) CreateDomain(JsonObject? body)
    {
        if (Text(body!, "domain") is not { } domain)
        {
            return (422, Error("required field is missing", "domain is a required field", "1400"));
        }

        if (!_domains.TryAdd(domain, new JsonObject { ["domain"] = domain }))
        {
            return (409, Error("resource conflict", $"Inbound domain {domain} already exists", "1602"));
        }

        return (200, new JsonObject { ["results"] = new JsonObject { ["domain"] = domain } });
    }

    private (int, JsonNode) CreateRelayWebhook(JsonObject? body)
    {
        var missing = new[] { "name", "target" }.FirstOrDefault(f => Text(body!, f) is null);
        var match = body!["match"] as JsonObject;
        if (missing is not null || match is null || Text(match, "domain") is not { } domain)
        {
            return (422, Error("required field is missing", $"{missing ?? "match.domain"} is a required field", "1400"));
        }

        if (!IsHttpUrl(Text(body, "target")!) || (Text(match, "protocol") ?? "SMTP") != "SMTP")
        {
            return (400, Error("invalid data format/type", "target must be an http(s) URL and match.protocol SMTP", "1300"));
        }

        if (!_domains.ContainsKey(domain))
        {
            return (400, Error("invalid params", $"Inbound domain {domain} does not exist", "1200"));
        }

        var id = NextId();
        var stored = (JsonObject)body.DeepClone();
        stored["id"] = id;
        _relayWebhooks.Enqueue(stored);
        return (200, new JsonObject { ["results"] = new JsonObject { ["id"] = id } });
    }

    private (int, JsonNode) CreateEventWebhook(JsonObject? body)
    {
        var missing = new[] { "name", "target" }.FirstOrDefault(f => Text(body!, f) is null);
        if (missing is not null || body!["events"] is not JsonArray events || events.Count == 0)
        {
            return (422, Error("required field is missing", $"{missing ?? "events"} is a required field", "1400"));
        }

        var authType = Text(body, "auth_type") ?? "none";
        var unknown = events.Select(e => e?.GetValueKind() == JsonValueKind.String ? e.GetValue<string>() : "").FirstOrDefault(e => !EventTypes.Contains(e));
        var credentials = body["auth_credentials"] as JsonObject;
        var credentialsMissing = authType == "basic" && (credentials is null || Text(credentials, "username") is null || Text(credentials, "password") is null);
        if (!IsHttpUrl(Text(body, "target")!) || unknown is not null || authType is not ("none" or "basic" or "oauth2") || credentialsMissing)
        {
            var why = unknown is not null ? $"unknown event type '{unknown}'" : credentialsMissing ? "auth_credentials.username and password are required for basic" : "target or auth_type is invalid";
            return (400, Error("invalid data format/type", why, "1300"));
        }

        var id = NextId();
        var stored = (JsonObject)body.DeepClone();
        stored["id"] = id;
        _eventWebhooks.Enqueue(stored);
        return (200, new JsonObject { ["results"] = new JsonObject { ["id"] = id, ["links"] = new JsonArray() } });
    }

    private static (int, JsonNode) List(IEnumerable<JsonObject> items) =>
        (200, new JsonObject { ["results"] = new JsonArray(items.Select(i => (JsonNode)i.DeepClone()).ToArray()) });

    private string NextId() => Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is { Length: > 0 } text ? text : null;

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static JsonObject Error(string message, string? description, string? code)
    {
        var error = new JsonObject { ["message"] = message };
        if (description is not null)
        {
            error["description"] = description;
        }

        if (code is not null)
        {
            error["code"] = code;
        }

        return new JsonObject { ["errors"] = new JsonArray(error) };
    }
}
