using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Deployment;

/// <summary>
/// deploy/rabbitmq/rabbitmq-env.conf: the runtime flags every SmimePipeline broker gets (scripts/test.sh gives them to
/// its node, docker-compose mounts the file, deploy/README.md tells operators). The test broker must run with them, so
/// that the tests and scripts/bench.sh measure what operators run.
/// </summary>
public sealed class BrokerSettingsTests
{
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
}
