using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// SparkPost's set-up APIs (inbound domains, relay webhooks, event webhooks) as documented: the API key in
/// <c>Authorization</c>, JSON bodies, <c>{"results":…}</c> on success and <c>{"errors":[{"message","description","code"}]}</c>
/// otherwise. Every failure is a <see cref="CliException"/> naming the call, the HTTP status and SparkPost's own
/// message; the key and the tokens sent never appear in it.
/// </summary>
internal sealed class SparkPostSetupClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _keySource;

    /// <param name="baseUrl">The API base, e.g. <c>https://api.sparkpost.com/api/v1</c> (EU: <c>https://api.eu.sparkpost.com/api/v1</c>).</param>
    /// <param name="apiKey">The API key (from a file).</param>
    /// <param name="keySource">Where the key came from, named in a 401/403 error.</param>
    public SparkPostSetupClient(Uri baseUrl, string apiKey, string keySource)
    {
        _keySource = keySource;
        _http = new HttpClient
        {
            BaseAddress = new Uri(baseUrl.ToString().TrimEnd('/') + "/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", apiKey);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("smime-pipeline-cli");
    }

    /// <summary>The <c>results</c> array of <c>GET</c> <paramref name="resource"/> (e.g. <c>relay-webhooks</c>).</summary>
    public async Task<JsonArray> ListAsync(string resource, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, resource, null, cancellationToken);
        if (status != HttpStatusCode.OK || body?["results"] is not JsonArray results)
        {
            throw Failure($"GET {resource}", status, body);
        }

        return results;
    }

    /// <summary>
    /// <c>POST</c> <paramref name="resource"/>: the <c>results</c> object, or null when SparkPost answered 409
    /// (the resource exists already) and <paramref name="conflictIsExisting"/> is set.
    /// </summary>
    public async Task<JsonObject?> CreateAsync(string resource, JsonObject body, bool conflictIsExisting, CancellationToken cancellationToken)
    {
        var (status, answer) = await SendAsync(HttpMethod.Post, resource, body, cancellationToken);
        if (status == HttpStatusCode.Conflict && conflictIsExisting)
        {
            return null;
        }

        if (status != HttpStatusCode.OK || answer?["results"] is not JsonObject results)
        {
            throw Failure($"POST {resource}", status, answer);
        }

        return results;
    }

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonNode? Body)> SendAsync(HttpMethod method, string resource, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, resource);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"{method} {resource}: cannot reach SparkPost at {_http.BaseAddress}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException($"{method} {resource}: SparkPost at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s", e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonNode? parsed;
            try
            {
                parsed = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                parsed = null;
            }

            return (response.StatusCode, parsed);
        }
    }

    private CliException Failure(string call, HttpStatusCode status, JsonNode? body)
    {
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new CliException($"{call}: SparkPost refused the API key from {_keySource} ({(int)status}): check the key and that it has Inbound Domains, Relay Webhooks and Event Webhooks read/write.");
        }

        var errors = body?["errors"] as JsonArray;
        var described = errors is null
            ? "no SparkPost error in the answer"
            : string.Join("; ", errors.Select(e => string.Join(": ", new[] { Text(e, "message"), Text(e, "description") }.Where(t => t is not null))
                + (Text(e, "code") is { } code ? $" (code {code})" : "")));
        return new CliException($"{call}: SparkPost answered {(int)status}: {described}");
    }

    private static string? Text(JsonNode? node, string name) =>
        node?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
