using System.Globalization;
using MassTransit;

namespace SmimePipeline.Worker.Failures;

/// <summary>
/// How often the broker has delivered a message of a work queue before, and the worker's limit on it
/// (<c>RabbitMq:DeliveryLimit</c>). RabbitMQ's quorum queues put the count in the <c>x-delivery-count</c> header of every
/// delivery (3.10.8, measured: 0 on the first, then one more for each return: a nack with requeue, a closed channel, a
/// consumer gone; pinned by <c>DeliveryCountHeaderTests</c>). Classic queues carry none: the worker warns at start when it
/// runs on them with a limit set (<see cref="UnreportedFailureFilter"/>, line 1020). MassTransit 8.5 does not read it (its <c>GetRedeliveryCount</c> is its own
/// <c>MT-Redelivery-Count</c>), so it is read from the transport headers here. A mail the retry ladder puts back is a new
/// message (count 0): only tries that end neither acknowledged nor routed add to it.
/// </summary>
public static class DeliveryLimit
{
    /// <summary>The reason code of a message stopped at the limit.</summary>
    public const string ReasonCode = "delivery-limit";

    /// <summary>The header quorum queues count deliveries in.</summary>
    public const string CountHeader = "x-delivery-count";

    /// <summary>
    /// The deliveries of <paramref name="context"/>'s message before this one, or null when the queue does not count them or
    /// this is the message's first delivery (the broker's <c>redelivered</c> flag not set): a first delivery has no returns
    /// before it whatever its headers say. Session 14 saw, without this check, a mail given back by <c>smime dlq requeue</c>
    /// stopped again at its first delivery with the old count (3). Pinned in session 15 with RabbitMQ.Client on 3.10.8
    /// (<c>DeliveryCountHeaderTests</c>): a quorum queue replaces a producer's <c>x-delivery-count</c> (3) with its own, so a
    /// client reads 0 (not redelivered), then 1 and 2 after each return (redelivered); a copy <c>smime dlq requeue</c> gives
    /// back (it drops the header) reads 0 and then 1 in its work queue, whatever its count in the error queue. Both checks
    /// stay: they cost nothing, and a broker of another version may keep the producer's header.
    /// </summary>
    public static long? CountOf(ConsumeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.ReceiveContext.Redelivered || !context.ReceiveContext.TransportHeaders.TryGetHeader(CountHeader, out var value))
        {
            return null;
        }

        return value switch
        {
            long count => count,
            int count => count,
            short count => count,
            byte count => count,
            string text when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) => count,
            _ => null,
        };
    }

    /// <summary>The reason a message delivered <paramref name="previous"/> times before is stopped for, under <paramref name="limit"/>.</summary>
    public static FailureReason Reason(string stage, long previous, int limit) => new(
        ReasonCode,
        string.Create(
            CultureInfo.InvariantCulture,
            $"Delivered {previous + 1} times at {stage} (RabbitMq:DeliveryLimit {limit}) without its try ending acknowledged or routed: the broker refused where it was to go, or a worker stopped on it. Not tried again."),
        IsPermanent: true);
}
