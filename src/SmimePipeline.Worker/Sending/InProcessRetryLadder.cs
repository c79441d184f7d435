using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// The ladder's stand-in on the in-memory transport (demo, one process): the same schedule, but the
/// wait is a timer in this process that re-sends the mail to <c>smime-deliver</c>, and dead letters
/// go to an in-memory <c>smime-deliver-dead</c> queue. Nothing survives a restart on this transport
/// anyway; mail waiting for a retry is lost with the process.
/// </summary>
internal sealed class InProcessRetryLadder(
    IOptions<SmimePipelineOptions> options,
    IBus bus,
    TimeProvider time,
    ILogger<InProcessRetryLadder> logger) : IRetryLadder
{
    public IReadOnlyList<TimeSpan> Schedule { get; } = DurationList.Parse(options.Value.Sender.RetrySchedule);

    public Task ScheduleAsync(ConsumeContext<DeliverEmail> context, int rung, int attempts, string failedAt)
    {
        var message = context.Message with { Attempt = attempts };
        var delay = Schedule[rung - 1];
        _ = ResendLaterAsync(message, delay, send => SenderMessageHeaders.WriteRetry(send, context, attempts, failedAt));
        return Task.CompletedTask;
    }

    public async Task DeadLetterAsync(ConsumeContext<DeliverEmail> context, DeadLetter deadLetter)
    {
        var endpoint = await context.GetSendEndpoint(new Uri($"queue:{RetryLadderTopology.DeadLetterQueue}"));
        await endpoint.Send(context.Message with { Attempt = deadLetter.Attempts }, send => SenderMessageHeaders.WriteDeadLetter(send, context, deadLetter, time.GetUtcNow()), context.CancellationToken);
    }

    private async Task ResendLaterAsync(DeliverEmail message, TimeSpan delay, Action<SendContext<DeliverEmail>> headers)
    {
        try
        {
            await Task.Delay(delay, time);
            var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{QueueNames.Deliver}"));
            await endpoint.Send(message, headers);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Logged, not hidden: on this transport the mail is then gone, as with a restart.
            SenderLog.InProcessRetryFailed(logger, e, message.MailId);
        }
    }
}
