using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Deployment;

/// <summary>
/// deploy/rabbitmq/throughput.conf and rabbitmq-env.conf: the broker settings and runtime flags every SmimePipeline
/// broker gets (scripts/test.sh gives them to its node, docker-compose mounts them, deploy/README.md tells operators). The test broker
/// must run with them, so that the tests and scripts/bench.sh measure what operators run, and what the product reads
/// from the management API must still be there with them.
/// </summary>
public sealed class BrokerSettingsTests : BrokerTest
{
    private static readonly string SettingsFile = RepositoryPaths.Of("deploy", "rabbitmq", "throughput.conf");

    [Fact]
    public async Task Test_broker_runs_with_the_rates_mode_of_the_shared_settings_file()
    {
        var expected = SettingValue("management.rates_mode");
        Assert.True(expected is not null, $"{SettingsFile} sets no management.rates_mode; the broker's per-operation statistics would be 'fine' (README 'Issue 17, session 10').");

        using var http = ManagementClient();
        using var response = await http.GetAsync("api/overview");
        response.EnsureSuccessStatusCode();
        using var overview = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(expected, overview.RootElement.GetProperty("rates_mode").GetString());
    }

    [Fact]
    public async Task Queue_depths_the_workers_gauge_reads_are_reported_without_message_rates()
    {
        const string Queue = "settings-depth";
        await VirtualHost.ImportDefinitionsAsync($$"""
            {
              "queues": [{ "name": "{{Queue}}", "durable": true, "auto_delete": false, "arguments": { "x-queue-type": "quorum" } }],
              "exchanges": [{ "name": "{{Queue}}", "type": "fanout", "durable": true, "auto_delete": false, "internal": false, "arguments": {} }],
              "bindings": [{ "source": "{{Queue}}", "destination": "{{Queue}}", "destination_type": "queue", "routing_key": "", "arguments": {} }]
            }
            """);
        for (var i = 0; i < 3; i++)
        {
            await VirtualHost.PublishRawAsync(Queue, $"depth {i}", "text/plain");
        }

        // The same request as the workers' QueueDepthMonitor; the management plugin refreshes queue figures every
        // collect_statistics_interval (5 s by default), so this waits for the next refresh, not a fixed time.
        using var http = ManagementClient();
        long? depth = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await http.GetAsync($"api/queues/{Uri.EscapeDataString(VirtualHost.Name)}?columns=name,messages");
                response.EnsureSuccessStatusCode();
                using var queues = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                depth = queues.RootElement.EnumerateArray()
                    .Where(q => q.GetProperty("name").GetString() == Queue && q.TryGetProperty("messages", out _))
                    .Select(q => (long?)q.GetProperty("messages").GetInt64())
                    .FirstOrDefault();
                return depth == 3;
            },
            TimeSpan.FromSeconds(90),
            () => $"the management API reported {(depth is null ? "no depth" : depth.ToString())} for {Queue} instead of 3 messages");
    }

    [Fact]
    public async Task Test_broker_runs_with_the_super_carrier_of_the_shared_runtime_flags()
    {
        var flags = File.ReadAllLines(RepositoryPaths.Of("deploy", "rabbitmq", "rabbitmq-env.conf"))
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("SERVER_ADDITIONAL_ERL_ARGS=", StringComparison.Ordinal))
            .Select(line => line["SERVER_ADDITIONAL_ERL_ARGS=".Length..].Trim('"'))
            .LastOrDefault();
        Assert.True(flags is not null, "deploy/rabbitmq/rabbitmq-env.conf sets no SERVER_ADDITIONAL_ERL_ARGS.");
        var words = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(words, "+MMscs");
        Assert.True(at >= 0 && at + 1 < words.Length, $"deploy/rabbitmq/rabbitmq-env.conf has no '+MMscs <MB>' in '{flags}'.");
        var expectedBytes = long.Parse(words[at + 1], System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024;

        // erts_mmap's super carrier, as the runtime reports it; 0 when the node runs without one.
        var printed = await RabbitMqControl.EvalAsync(
            "case proplists:get_value(supercarrier, proplists:get_value(default_mmap, erlang:system_info({allocator, erts_mmap}))) of " +
            "undefined -> 0; Sc -> proplists:get_value(total, proplists:get_value(sizes, Sc)) end.");

        Assert.Equal(expectedBytes, long.Parse(printed.Trim(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The value of <paramref name="key"/> in the settings file (rabbitmq.conf syntax), or null.</summary>
    private static string? SettingValue(string key) =>
        File.ReadAllLines(SettingsFile)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim() == key)
            .Select(parts => parts[1].Trim())
            .LastOrDefault();

    private static HttpClient ManagementClient()
    {
        var http = new HttpClient { BaseAddress = TestServices.RabbitMqManagementUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        return http;
    }
}
