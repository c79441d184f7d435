using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Declares <c>smime-deliver</c> (queue, exchange, binding; a quorum queue unless <c>RabbitMq:QuorumQueues</c> is off)
/// before the signer starts consuming. A signer sends <see cref="DeliverEmail"/> to the <c>smime-deliver</c> exchange;
/// without this, a signer started before any sender (and without <c>deploy/rabbitmq/definitions.json</c>) published
/// into an exchange with no queue, and RabbitMQ confirmed and dropped the mail. Now the mail waits for a sender.
/// The arguments are the ones MassTransit's sender endpoint and the deployed definitions use.
/// </summary>
internal sealed class DeliverQueueDeclaration(IOptions<SmimePipelineOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var rabbit = options.Value.RabbitMq;
        await using var connection = await RabbitMqTopology.ConnectAsync(rabbit, "smime-signer-topology", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var arguments = new Dictionary<string, object?>();
        if (rabbit.QuorumQueues)
        {
            arguments["x-queue-type"] = "quorum";
        }

        await RabbitMqTopology.DeclareBoundQueueAsync(channel, QueueNames.Deliver, arguments, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
