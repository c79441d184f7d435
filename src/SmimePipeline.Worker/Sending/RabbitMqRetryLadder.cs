using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The retry ladder on RabbitMQ: a mail waits in <c>smime-deliver-retry-N</c> until its TTL expires
/// and RabbitMQ dead-letters it back onto <c>smime-deliver</c>. Sends use publisher confirms, so the
/// consumer acknowledges the original only after the copy is safe: a crash in between leaves two
/// copies, and the delivery ledger makes the second one harmless.
/// </summary>
internal sealed class RabbitMqRetryLadder(IOptions<SmimePipelineOptions> options, TimeProvider time) : IRetryLadder
{
    public IReadOnlyList<TimeSpan> Schedule { get; } = DurationList.Parse(options.Value.Sender.RetrySchedule);

    public async Task ScheduleAsync(ConsumeContext<DeliverEmail> context, int rung, int attempts, string failedAt)
    {
        var endpoint = await context.GetSendEndpoint(new Uri($"exchange:{RetryLadderTopology.RungName(rung)}"));
        await endpoint.Send(context.Message with { Attempt = attempts }, send => SenderMessageHeaders.WriteRetry(send, context, attempts, failedAt), context.CancellationToken);
    }

    public async Task DeadLetterAsync(ConsumeContext<DeliverEmail> context, DeadLetter deadLetter)
    {
        var endpoint = await context.GetSendEndpoint(new Uri($"exchange:{RetryLadderTopology.DeadLetterQueue}"));
        await endpoint.Send(context.Message with { Attempt = deadLetter.Attempts }, send => SenderMessageHeaders.WriteDeadLetter(send, context, deadLetter, time.GetUtcNow()), context.CancellationToken);
    }
}
