using System.Text.Json.Nodes;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>The worker declares exactly what deploy/rabbitmq/definitions.json declares (RabbitMQ refuses any difference).</summary>
public sealed class RetryLadderDefinitionsTests
{
    [Fact]
    public void The_default_ladder_and_dead_letter_queue_match_the_deployed_definitions()
    {
        var definitions = JsonNode.Parse(File.ReadAllText(RepositoryPaths.Of("deploy", "rabbitmq", "definitions.json")))!;
        var queues = definitions["queues"]!.AsArray().ToDictionary(q => q!["name"]!.GetValue<string>(), q => q!["arguments"]!.AsObject());
        var schedule = DurationList.Parse(new SenderOptions().RetrySchedule);

        for (var step = 1; step <= schedule.Count; step++)
        {
            AssertSameArguments(RetryLadderTopology.RungArguments(schedule[step - 1]), queues[RetryLadderTopology.RungName(step)]);
        }

        Assert.False(queues.ContainsKey(RetryLadderTopology.RungName(schedule.Count + 1)), "definitions.json has more rungs than the default schedule.");
        AssertSameArguments(RetryLadderTopology.DeadLetterArguments(), queues[RetryLadderTopology.DeadLetterQueue]);
    }

    private static void AssertSameArguments(Dictionary<string, object?> declared, JsonObject deployed)
    {
        Assert.Equal(declared.Keys.Order(), deployed.Select(p => p.Key).Order());
        foreach (var (key, value) in declared)
        {
            Assert.Equal(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture), deployed[key]!.ToString());
        }
    }
}
