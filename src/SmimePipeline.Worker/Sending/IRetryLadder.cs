using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Sending;

/// <summary>Where a mail goes after a failed delivery attempt: a later retry, or the dead-letter queue.</summary>
public interface IRetryLadder
{
    /// <summary>The delays of the steps, from <c>SmimePipeline:Sender:RetrySchedule</c>.</summary>
    IReadOnlyList<TimeSpan> Schedule { get; }

    /// <summary>
    /// Sends the mail to rung <paramref name="rung"/> (1-based), carrying <paramref name="attempts"/>
    /// failed attempts and their times; completes once the broker has confirmed it.
    /// </summary>
    Task ScheduleAsync(ConsumeContext<DeliverEmail> context, int rung, int attempts, string failedAt);

    /// <summary>Sends the mail to the dead-letter queue with <paramref name="deadLetter"/> in its headers; completes once confirmed.</summary>
    Task DeadLetterAsync(ConsumeContext<DeliverEmail> context, DeadLetter deadLetter);
}
