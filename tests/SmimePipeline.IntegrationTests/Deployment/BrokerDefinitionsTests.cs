using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Deployment;

/// <summary>
/// The broker topology as code (deploy/rabbitmq/definitions.json) and the topology the workers declare
/// must agree: RabbitMQ refuses a declaration whose arguments differ from an existing queue's. Here the
/// definitions are loaded first, as the docker-compose stack and an operator-managed broker do.
/// </summary>
public sealed class BrokerDefinitionsTests : BrokerTest
{
    [Fact]
    public async Task Workers_run_on_a_broker_whose_topology_was_loaded_from_definitions_json()
    {
        var topology = await DeployedBrokerDefinitions.LoadAsync();
        await VirtualHost.ImportDefinitionsAsync(topology.ToJsonString());
        Assert.True(await VirtualHost.QueueExistsAsync("smime-deliver-retry-1"), "definitions.json was not loaded");

        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));

        var good = TestMails.Create(1, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses);
        var refused = good with { MailId = Guid.NewGuid(), To = [new MailAddress("no-certificate@nowhere.example")] };
        await PublishAsync(good, refused);

        await Eventually.HoldsAsync(
            () => Task.FromResult(File.Exists(Path.Combine(outbox, $"{good.MailId:N}.eml"))),
            TimeSpan.FromSeconds(60),
            () => "the mail was not delivered on the definitions-loaded broker");
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync("smime-protect_error") == 1,
            TimeSpan.FromSeconds(30),
            () => "the refused mail did not reach the smime-protect_error queue declared by definitions.json");
    }
}
