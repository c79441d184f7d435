using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The retry ladder on RabbitMQ: a mail waits in <c>smime-deliver-retry-N</c> until its TTL expires
/// and RabbitMQ dead-letters it back onto <c>smime-deliver</c>. Sends use publisher confirms, so the
/// consumer acknowledges the original only after the copy is safe: a crash in between leaves two
/// copies, and the delivery ledger makes the second one harmless. Each send is bounded by
/// <see cref="RabbitMqOptions.SendTimeout"/> and goes past the consume context (<see cref="BoundedBrokerSend"/>): a copy the
/// broker does not take throws <see cref="BrokerSendRefusedException"/>. A copy of a mail whose content is inline and above
/// <c>ClaimCheck:ThresholdBytes</c> (a large mail the signer tried to deliver in its own process, session 14) is checked in
/// first (<see cref="DeliveryContentStore"/>): the ladder and the dead-letter queue carry large mail by claim check, as the
/// queue path does; a claim check-in that fails throws like a refused send.
/// </summary>
internal sealed class RabbitMqRetryLadder(IOptions<SmimePipelineOptions> options, BoundedBrokerSend broker, TimeProvider time, DeliveryContentStore claimCheck)
    : IRetryLadder
{
    public IReadOnlyList<TimeSpan> Schedule { get; } = DurationList.Parse(options.Value.Sender.RetrySchedule);

    public Task ScheduleAsync(ConsumeContext<DeliverEmail> context, int rung, int attempts, string failedAt)
        => SendAsync(context, RetryLadderTopology.RungName(rung), send => SenderMessageHeaders.WriteRetry(send, context, attempts, failedAt), attempts);

    public Task DeadLetterAsync(ConsumeContext<DeliverEmail> context, DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        return SendAsync(context, RetryLadderTopology.DeadLetterQueue, send => SenderMessageHeaders.WriteDeadLetter(send, context, deadLetter, time.GetUtcNow()), deadLetter.Attempts);
    }

    private async Task SendAsync(ConsumeContext<DeliverEmail> context, string exchange, Action<SendContext<DeliverEmail>> headers, int attempts)
    {
        var copy = await claimCheck.CheckInAsync(context.Message with { Attempt = attempts }, context.CancellationToken);
        await broker.SendAsync(context, exchange, copy, headers);
    }
}
