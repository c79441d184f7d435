using System.Text.Json.Nodes;

namespace SmimePipeline.DeploymentTests;

/// <summary>deploy/rabbitmq/definitions.json: the broker topology as code.</summary>
public sealed class RabbitMqDefinitionsTests
{
    private static readonly JsonNode Definitions =
        JsonNode.Parse(File.ReadAllText(RepositoryPaths.Of("deploy", "rabbitmq", "definitions.json")))!;

    private static IEnumerable<JsonNode> Queues => Definitions["queues"]!.AsArray().Select(q => q!);

    [Fact]
    public void Work_and_error_queues_are_declared_as_durable_quorum_queues()
    {
        var names = Queues.Select(q => q["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        foreach (var name in new[] { "smime-protect", "smime-deliver", "smime-protect_error", "smime-deliver_error" })
        {
            Assert.Contains(name, names);
        }

        Assert.All(Queues, q =>
        {
            Assert.Equal("quorum", q["arguments"]!["x-queue-type"]!.GetValue<string>());
            Assert.True(q["durable"]!.GetValue<bool>());
        });
    }

    [Fact]
    public void Retry_ladder_queues_wait_longer_each_step_and_dead_letter_back_to_the_deliver_queue()
    {
        var ladder = Queues.Where(q => q["name"]!.GetValue<string>().StartsWith("smime-deliver-retry-", StringComparison.Ordinal))
            .OrderBy(q => int.Parse(q["name"]!.GetValue<string>()["smime-deliver-retry-".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

        Assert.True(ladder.Count >= 2, "The retry ladder needs at least two steps.");
        var ttls = ladder.Select(q => q["arguments"]!["x-message-ttl"]!.GetValue<long>()).ToList();
        Assert.Equal(ttls.Order(), ttls);
        Assert.Equal(ttls.Count, ttls.Distinct().Count());
        foreach (var queue in ladder)
        {
            var arguments = queue["arguments"]!;
            Assert.Equal("smime-deliver", arguments["x-dead-letter-exchange"]!.GetValue<string>());
            // Quorum queues dead-letter at-most-once unless told otherwise; a mail must never be lost.
            Assert.Equal("at-least-once", arguments["x-dead-letter-strategy"]!.GetValue<string>());
            Assert.Equal("reject-publish", arguments["x-overflow"]!.GetValue<string>());
        }

        var deliverBinding = Definitions["bindings"]!.AsArray()
            .Single(b => b!["source"]!.GetValue<string>() == "smime-deliver" && b["destination_type"]!.GetValue<string>() == "queue");
        Assert.Equal("smime-deliver", deliverBinding!["destination"]!.GetValue<string>());
    }

    [Fact]
    public void Every_binding_connects_declared_exchanges_and_queues()
    {
        var exchanges = Definitions["exchanges"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var queues = Queues.Select(q => q["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        foreach (var binding in Definitions["bindings"]!.AsArray())
        {
            Assert.Contains(binding!["source"]!.GetValue<string>(), exchanges);
            Assert.Contains(binding["destination"]!.GetValue<string>(), queues);
        }
    }

    [Fact]
    public void Each_work_queue_has_a_delivery_limit_policy_that_parks_a_looping_message_in_its_error_queue()
    {
        var exchanges = Definitions["exchanges"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var policies = Definitions["policies"]!.AsArray().Select(p => p!).ToList();
        foreach (var queue in new[] { "smime-protect", "smime-protect-large", "smime-deliver", "smime-harvest" })
        {
            var policy = Assert.Single(policies, p => p["pattern"]!.GetValue<string>() == $"^{queue}$");
            var definition = policy["definition"]!;
            Assert.Equal("queues", policy["apply-to"]!.GetValue<string>());
            // Above the worker's RabbitMq:DeliveryLimit (10): the broker is the last resort, after the worker's own report.
            Assert.True(definition["delivery-limit"]!.GetValue<int>() > 10, $"{queue}: the broker's delivery-limit must stay above the worker's (10)");
            // Without a dead-letter exchange the broker would drop the message at the limit; at-most-once could lose it.
            Assert.Equal($"{queue}_error", definition["dead-letter-exchange"]!.GetValue<string>());
            Assert.Contains(definition["dead-letter-exchange"]!.GetValue<string>(), exchanges);
            Assert.Equal("at-least-once", definition["dead-letter-strategy"]!.GetValue<string>());
            Assert.Equal("reject-publish", definition["overflow"]!.GetValue<string>());
        }
    }
}
