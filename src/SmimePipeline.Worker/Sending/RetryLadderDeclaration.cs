using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Declares the retry ladder and the dead-letter queue on RabbitMQ before the bus starts consuming
/// (registered before MassTransit's hosted service, so it runs first). Declarations are idempotent;
/// a queue that exists with other arguments (the schedule changed) stops the worker with RabbitMQ's
/// PRECONDITION_FAILED, naming the queue: delete the empty rung queues or keep the schedule.
/// </summary>
internal sealed class RetryLadderDeclaration(IOptions<SmimePipelineOptions> options, ILogger<RetryLadderDeclaration> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var schedule = DurationList.Parse(settings.Sender.RetrySchedule);
        await using var connection = await RabbitMqTopology.ConnectAsync(settings.RabbitMq, "smime-sender-topology", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);

        // The rungs dead-letter to this exchange; MassTransit binds it to the work queue.
        await channel.ExchangeDeclareAsync(QueueNames.Deliver, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        for (var step = 1; step <= schedule.Count; step++)
        {
            await RabbitMqTopology.DeclareBoundQueueAsync(channel, RetryLadderTopology.RungName(step), RetryLadderTopology.RungArguments(schedule[step - 1]), cancellationToken);
        }

        await RabbitMqTopology.DeclareBoundQueueAsync(channel, RetryLadderTopology.DeadLetterQueue, RetryLadderTopology.DeadLetterArguments(), cancellationToken);
        SenderLog.LadderDeclared(logger, schedule.Count, settings.Sender.RetrySchedule, RetryLadderTopology.DeadLetterQueue);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
