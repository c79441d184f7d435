using MassTransit;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The note, on the consume context of one message on a work queue, that its failure has been reported (log line and
/// metric), so that it is reported exactly once. <see cref="UnreportedFailureFilter"/> puts it on the context before
/// anything else runs, outside every retry; whoever reports a failure inside (a handler on its last attempt, a refusal)
/// marks it (<see cref="TryMark"/>) <em>before</em> publishing the event. When that publish then fails, the exception that
/// reaches the filter is not the reporter's <see cref="MailDeadLetteredException"/>: the filter sees the mark, logs only
/// that the event could not be published, and dead-letters the message with the reason already reported. A reporter that
/// runs again on a retry after such a failure publishes the event again, without a second log line or count.
/// A reporter that has itself put the message into a dead-letter queue (the sender's <c>smime-deliver-dead</c>, confirmed
/// by the broker) marks it with <see cref="TryMarkDeadLettered"/>: a retry then only publishes <see cref="DeadLetterEvent"/>
/// again (it routes nothing and calls no ESP), and the filter acknowledges the message instead of moving it to the
/// endpoint's <c>_error</c> queue, so that such a failure ends in one dead-letter queue, once.
/// </summary>
public sealed class FailureReport
{
    /// <summary>The reason reported first, or null while nothing has been reported.</summary>
    public FailureReason? Reason { get; private set; }

    /// <summary>
    /// The <see cref="EmailDeliveryFailed"/> of a message its reporter put into a dead-letter queue itself (confirmed), or
    /// null. Kept so that a retry after its publish failed publishes it again and routes nothing.
    /// </summary>
    public EmailDeliveryFailed? DeadLetterEvent { get; private set; }

    /// <summary>The event of a message already in a dead-letter queue by its reporter's hand (<see cref="DeadLetterEvent"/>), or null.</summary>
    public static EmailDeliveryFailed? DeadLetterEventOf(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.TryGetPayload(out FailureReport? report) ? report.DeadLetterEvent : null;
    }

    /// <summary>The report of <paramref name="context"/>'s message, added when it has none (by the endpoint's filter).</summary>
    public static FailureReport Of(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetOrAddPayload(() => new FailureReport());
    }

    /// <summary>
    /// Marks the failure of <paramref name="context"/>'s message as reported with <paramref name="reason"/>. Returns true when
    /// the caller is to write the log line and count the metric (nothing was reported before, or the context has no
    /// report: not on a work queue); false when an earlier attempt reported it already.
    /// </summary>
    public static bool TryMark(ConsumeContext context, FailureReason reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(reason);
        if (!context.TryGetPayload(out FailureReport? report))
        {
            return true;
        }

        if (report.Reason is not null)
        {
            return false;
        }

        report.Reason = reason;
        return true;
    }

    /// <summary>
    /// Marks <paramref name="context"/>'s message as reported with <paramref name="reason"/> and as put into a dead-letter
    /// queue by the caller (the broker confirmed it), with <paramref name="failed"/> as its event. Returns true when the
    /// caller is to write the log line and count the metric, as <see cref="TryMark"/>.
    /// </summary>
    public static bool TryMarkDeadLettered(ConsumeContext context, FailureReason reason, EmailDeliveryFailed failed)
    {
        ArgumentNullException.ThrowIfNull(failed);
        var report = Of(context);
        var first = TryMark(context, reason);
        report.DeadLetterEvent ??= failed;
        return first;
    }
}
