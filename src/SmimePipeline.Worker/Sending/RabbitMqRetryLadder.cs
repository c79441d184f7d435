using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The retry ladder on RabbitMQ: a mail waits in <c>smime-deliver-retry-N</c> until its TTL expires
/// and RabbitMQ dead-letters it back onto <c>smime-deliver</c>. Sends use publisher confirms, so the
/// consumer acknowledges the original only after the copy is safe: a crash in between leaves two
/// copies, and the delivery ledger makes the second one harmless. Each send is bounded by
/// <see cref="RabbitMqOptions.SendTimeout"/> and goes past the consume context (<see cref="BoundedBrokerSend"/>): a copy the
/// broker does not take throws <see cref="BrokerSendRefusedException"/>.
/// </summary>
internal sealed class RabbitMqRetryLadder(IOptions<SmimePipelineOptions> options, BoundedBrokerSend broker, TimeProvider time) : IRetryLadder
{
    public IReadOnlyList<TimeSpan> Schedule { get; } = DurationList.Parse(options.Value.Sender.RetrySchedule);

    public Task ScheduleAsync(ConsumeContext<DeliverEmail> context, int rung, int attempts, string failedAt)
        => broker.SendAsync(context, RetryLadderTopology.RungName(rung), context.Message with { Attempt = attempts }, send => SenderMessageHeaders.WriteRetry(send, context, attempts, failedAt));

    public Task DeadLetterAsync(ConsumeContext<DeliverEmail> context, DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return broker.SendAsync(
            context,
            RetryLadderTopology.DeadLetterQueue,
            context.Message with { Attempt = deadLetter.Attempts },
            send => SenderMessageHeaders.WriteDeadLetter(send, context, deadLetter, time.GetUtcNow()));
    }
}
