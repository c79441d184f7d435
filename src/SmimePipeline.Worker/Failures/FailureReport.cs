using MassTransit;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// The note, on the consume context of one message on a work queue, that its failure has been reported (log line and
/// metric), so that it is reported exactly once. <see cref="UnreportedFailureFilter"/> puts it on the context before
/// anything else runs, outside every retry; whoever reports a failure inside (a handler on its last attempt, a refusal)
/// marks it (<see cref="TryMark"/>) <em>before</em> publishing the event. When that publish then fails, the exception that
/// reaches the filter is not the reporter's <see cref="MailDeadLetteredException"/>: the filter sees the mark, logs only
/// that the event could not be published, and dead-letters the message with the reason already reported. A reporter that
/// runs again on a retry after such a failure publishes the event again, without a second log line or count.
/// </summary>
public sealed class FailureReport
{
    /// <summary>The reason reported first, or null while nothing has been reported.</summary>
    public FailureReason? Reason { get; private set; }

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
}
