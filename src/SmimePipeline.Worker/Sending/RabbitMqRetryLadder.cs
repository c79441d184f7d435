using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The retry ladder on RabbitMQ: a mail waits in <c>smime-deliver-retry-N</c> until its TTL expires
/// and RabbitMQ dead-letters it back onto <c>smime-deliver</c>. Sends use publisher confirms, so the
/// consumer acknowledges the original only after the copy is safe: a crash in between leaves two
/// copies, and the delivery ledger makes the second one harmless. Each send is bounded by
/// <see cref="RabbitMqOptions.SendTimeout"/> (MassTransit would otherwise retry a refused one for hours) and goes past the
/// consume context: a send through <c>context.GetSendEndpoint</c> is also registered as a task of the consume, which
/// MassTransit awaits again after the consumer returned, so one that failed would fail the whole receive into
/// <c>smime-deliver_error</c> even after a later try had put the mail on the ladder (a second copy). A copy of a mail whose
/// content is inline and above <c>ClaimCheck:ThresholdBytes</c> (a large mail the signer tried to deliver in its own
/// process, session 14) is checked in first (<see cref="DeliveryContentStore"/>): the ladder and the dead-letter queue carry
/// large mail by claim check, as the queue path does; a claim check-in that fails throws like a refused send.
/// </summary>
internal sealed class RabbitMqRetryLadder(IOptions<SmimePipelineOptions> options, TimeProvider time, DeliveryContentStore claimCheck) : IRetryLadder
{
    private readonly TimeSpan _sendTimeout = options.Value.RabbitMq.SendTimeout;

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
        var endpoint = await context.ReceiveContext.SendEndpointProvider.GetSendEndpoint(new Uri($"exchange:{exchange}"));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        bound.CancelAfter(_sendTimeout);
        var copy = await claimCheck.CheckInAsync(context.Message with { Attempt = attempts }, context.CancellationToken);
        await endpoint.Send(copy, headers, bound.Token);
    }
}
