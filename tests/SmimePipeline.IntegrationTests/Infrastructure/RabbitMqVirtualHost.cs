using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// A private virtual host on the test broker, so that test classes running in parallel never share
/// the pipeline's fixed queue names. Created and removed through the management API.
/// </summary>
public sealed class RabbitMqVirtualHost : IAsyncDisposable
{
    private readonly HttpClient _http;

    private RabbitMqVirtualHost(HttpClient http, string name, Uri amqpUri)
    {
        _http = http;
        Name = name;
        AmqpUri = amqpUri;
    }

    public string Name { get; }

    /// <summary>The broker URI with this virtual host as its path.</summary>
    public Uri AmqpUri { get; }

    public static async Task<RabbitMqVirtualHost> CreateAsync()
    {
        var management = TestServices.RabbitMqManagementUri;
        var http = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        var name = $"test-{Guid.NewGuid():N}";
        (await http.PutAsync($"api/vhosts/{name}", null)).EnsureSuccessStatusCode();
        (await http.PutAsJsonAsync($"api/permissions/{name}/guest", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();

        var broker = new UriBuilder(TestServices.RabbitMqUri) { Path = "/" + name, UserName = "guest", Password = "guest" }.Uri;
        return new RabbitMqVirtualHost(http, name, broker);
    }

    /// <summary>
    /// Withholds the write permission of guest (the user of every client in these tests) on exchange
    /// <paramref name="exchange"/> of this virtual host, from now on: a publish to it is refused with <c>ACCESS_REFUSED</c>,
    /// which closes the publishing channel.
    /// </summary>
    public Task WithholdWriteAsync(string exchange) => WithholdWriteAsync([exchange]);

    /// <summary>Withholds guest's write permission on each of <paramref name="exchanges"/> at once, as <see cref="WithholdWriteAsync(string)"/>.</summary>
    public Task WithholdWriteAsync(IReadOnlyList<string> exchanges)
        => SetWritePermissionAsync($"^(?!({string.Join('|', exchanges.Select(Regex.Escape))})$).*");

    /// <summary>Gives guest back the write permission on every exchange of this virtual host.</summary>
    public Task AllowWriteAsync() => SetWritePermissionAsync(".*");

    private async Task SetWritePermissionAsync(string write)
        => (await _http.PutAsJsonAsync($"api/permissions/{Name}/guest", new { configure = ".*", write, read = ".*" })).EnsureSuccessStatusCode();

    /// <summary>
    /// Sets policy <paramref name="name"/> on the queues matching <paramref name="pattern"/> with <paramref name="definition"/>
    /// (e.g. <c>max-length</c>), and waits until the broker reports it in force on <paramref name="queue"/>: a quorum queue
    /// takes a policy through its log, not at once.
    /// </summary>
    public async Task SetPolicyAsync(string name, string pattern, IReadOnlyDictionary<string, object> definition, string queue)
    {
        (await _http.PutAsJsonAsync($"api/policies/{Name}/{name}", new Dictionary<string, object> { ["pattern"] = pattern, ["apply-to"] = "queues", ["definition"] = definition })).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await _http.GetAsync($"api/queues/{Name}/{queue}");
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return document.RootElement.TryGetProperty("policy", out var policy) && policy.ValueKind == JsonValueKind.String && policy.GetString() == name;
            },
            TimeSpan.FromSeconds(30),
            () => $"policy {name} did not take effect on {queue}");
    }

    /// <summary>
    /// Holds <paramref name="queue"/> at its length limit (a policy of <c>max-length</c> 0 with <c>overflow reject-publish</c>,
    /// and one filler message: a quorum queue's length check is soft, it takes one message and refuses the next), so that
    /// RabbitMQ nacks every later copy sent to it.
    /// </summary>
    public async Task FillToItsLimitAsync(string queue)
    {
        await SetPolicyAsync($"{queue}-full", $"^{queue}$", new Dictionary<string, object> { ["max-length"] = 0, ["overflow"] = "reject-publish" }, queue);
        await PublishRawAsync(queue, "filler", "text/plain");
    }

    /// <summary>Loads broker definitions (queues, exchanges, bindings, policies) into this virtual host.</summary>
    public async Task ImportDefinitionsAsync(string definitionsJson)
    {
        using var content = new StringContent(definitionsJson, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync($"api/definitions/{Name}", content);
        Assert.True(response.IsSuccessStatusCode, $"RabbitMQ refused the definitions: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Whether a queue exists in this virtual host.</summary>
    public async Task<bool> QueueExistsAsync(string queue)
    {
        using var response = await _http.GetAsync($"api/queues/{Name}/{queue}");
        return response.IsSuccessStatusCode;
    }

    /// <summary>
    /// The messages in a queue at this moment (up to 100), counted from a peek, because <see cref="CountMessagesAsync"/>'s
    /// statistics lag; 0 for a queue never declared. The bodies are counted, never returned.
    /// </summary>
    public async Task<int> CountMessagesNowAsync(string queue)
        => await QueueExistsAsync(queue) ? (await PeekAsync(queue, 100)).Count : 0;

    /// <summary>The number of messages in a queue of this virtual host.</summary>
    public async Task<long> CountMessagesAsync(string queue)
    {
        using var response = await _http.GetAsync($"api/queues/{Name}/{queue}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return 0;
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("messages", out var messages) ? messages.GetInt64() : 0;
    }

    /// <summary>The prefetch count of each consumer of <paramref name="queue"/> in this virtual host (empty while none consumes).</summary>
    public async Task<IReadOnlyList<int>> ConsumerPrefetchCountsAsync(string queue)
    {
        using var response = await _http.GetAsync($"api/consumers/{Name}");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray()
            .Where(c => c.GetProperty("queue").GetProperty("name").GetString() == queue)
            .Select(c => c.GetProperty("prefetch_count").GetInt32())
            .ToList();
    }

    /// <summary>The queues of this virtual host that have a consumer right now, by name (empty while none consumes).</summary>
    public async Task<IReadOnlySet<string>> ConsumedQueuesAsync()
    {
        using var response = await _http.GetAsync($"api/consumers/{Name}");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray().Select(c => c.GetProperty("queue").GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// Where exchange <paramref name="exchange"/> of this virtual host routes to: each binding as <c>queue NAME</c> or
    /// <c>exchange NAME</c>, ordered (empty for an exchange bound to nothing or never declared).
    /// </summary>
    public async Task<IReadOnlyList<string>> BindingsFromAsync(string exchange)
    {
        using var response = await _http.GetAsync($"api/exchanges/{Name}/{Uri.EscapeDataString(exchange)}/bindings/source");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray()
            .Select(b => $"{b.GetProperty("destination_type").GetString()} {b.GetProperty("destination").GetString()}")
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Declares the durable fanout exchanges <paramref name="source"/> and <paramref name="destination"/> (if missing) and
    /// binds the second to the first, as an older worker's topology left them.
    /// </summary>
    public async Task BindExchangeAsync(string source, string destination)
    {
        foreach (var exchange in new[] { source, destination })
        {
            (await _http.PutAsJsonAsync($"api/exchanges/{Name}/{Uri.EscapeDataString(exchange)}", new { type = "fanout", durable = true, auto_delete = false })).EnsureSuccessStatusCode();
        }

        (await _http.PostAsJsonAsync($"api/bindings/{Name}/e/{Uri.EscapeDataString(source)}/e/{Uri.EscapeDataString(destination)}", new { routing_key = "" })).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Messages published into exchange <paramref name="exchange"/> and routed out of it since it was declared (the
    /// management API's <c>publish_in</c> and <c>publish_out</c>, as old as the last statistics emission); 0 for none.
    /// </summary>
    public async Task<(long In, long Out)> ExchangePublishesAsync(string exchange)
    {
        using var response = await _http.GetAsync($"api/exchanges/{Name}/{Uri.EscapeDataString(exchange)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return (0, 0);
        }

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (!document.RootElement.TryGetProperty("message_stats", out var stats))
        {
            return (0, 0);
        }

        return (stats.TryGetProperty("publish_in", out var input) ? input.GetInt64() : 0, stats.TryGetProperty("publish_out", out var output) ? output.GetInt64() : 0);
    }

    /// <summary>Peeks at up to <paramref name="count"/> messages (they stay in the queue).</summary>
    public async Task<IReadOnlyList<JsonElement>> PeekAsync(string queue, int count)
    {
        using var response = await _http.PostAsJsonAsync(
            $"api/queues/{Name}/{queue}/get",
            new { count, ackmode = "ack_requeue_true", encoding = "auto", truncate = 100_000 });
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    /// <summary>
    /// Publishes <paramref name="payload"/> as it is to <paramref name="exchange"/> through the management API, as a
    /// producer that does not use MassTransit (or writes garbage) would; fails unless the broker routed it.
    /// </summary>
    public async Task PublishRawAsync(string exchange, string payload, string contentType)
    {
        using var response = await _http.PostAsJsonAsync(
            $"api/exchanges/{Name}/{exchange}/publish",
            new { properties = new { content_type = contentType, delivery_mode = 2 }, routing_key = "", payload, payload_encoding = "string" });
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(document.RootElement.GetProperty("routed").GetBoolean(), $"the broker did not route the message to {exchange}");
    }

    /// <summary>
    /// Publishes <paramref name="payload"/> with AMQP <paramref name="headers"/> (strings, integers) through the management
    /// API, as a hostile or non-MassTransit producer would; fails unless the broker routed it.
    /// </summary>
    public async Task PublishRawAsync(string exchange, string payload, string contentType, IReadOnlyDictionary<string, object> headers)
    {
        using var response = await _http.PostAsJsonAsync(
            $"api/exchanges/{Name}/{exchange}/publish",
            new { properties = new { content_type = contentType, delivery_mode = 2, headers }, routing_key = "", payload, payload_encoding = "string" });
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(document.RootElement.GetProperty("routed").GetBoolean(), $"the broker did not route the message to {exchange}");
    }

    /// <summary>
    /// Closes every client connection to this virtual host from the broker's side (what
    /// <c>rabbitmqctl close_all_connections -p VHOST</c> does), at once and without touching other tests' hosts.
    /// </summary>
    /// <returns>How many connections were closed.</returns>
    public async Task<int> CloseAllConnectionsAsync(string reason)
    {
        using var response = await _http.GetAsync($"api/vhosts/{Name}/connections");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var names = document.RootElement.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        foreach (var name in names)
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, $"api/connections/{Uri.EscapeDataString(name)}");
            delete.Headers.Add("X-Reason", reason);
            using var closed = await _http.SendAsync(delete);
        }

        return names.Count;
    }

    public async ValueTask DisposeAsync()
    {
        using (await _http.DeleteAsync($"api/vhosts/{Name}"))
        {
        }

        _http.Dispose();
    }
}
