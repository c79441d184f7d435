using System.Text.Json.Nodes;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>The broker topology as deployed (<c>deploy/rabbitmq/definitions.json</c>), for a test's own virtual host.</summary>
public static class DeployedBrokerDefinitions
{
    /// <summary>
    /// The queues, exchanges, bindings and policies of <c>definitions.json</c> without their <c>vhost</c>, so that
    /// <see cref="RabbitMqVirtualHost.ImportDefinitionsAsync"/> loads them into the test's virtual host.
    /// </summary>
    public static async Task<JsonObject> LoadAsync()
    {
        var definitions = JsonNode.Parse(await File.ReadAllTextAsync(RepositoryPaths.Of("deploy", "rabbitmq", "definitions.json")))!.AsObject();
        var topology = new JsonObject();
        foreach (var section in new[] { "queues", "exchanges", "bindings", "policies" })
        {
            if (definitions[section] is JsonArray items)
            {
                var copy = new JsonArray();
                foreach (var item in items)
                {
                    var entry = item!.DeepClone().AsObject();
                    entry.Remove("vhost");
                    copy.Add(entry);
                }

                topology[section] = copy;
            }
        }

        return topology;
    }
}
