using System.Globalization;
using SmimePipeline.Contracts;

namespace SmimePipeline.Worker.Sending;

/// <summary>
/// Names and arguments of the sender's RabbitMQ queues beyond the work queue. They match
/// <c>deploy/rabbitmq/definitions.json</c> exactly (RabbitMQ refuses a re-declaration with other
/// arguments): quorum queues; each rung holds mail for its TTL and then dead-letters it
/// (<c>at-least-once</c>, which needs <c>reject-publish</c>) to the <c>smime-deliver</c> exchange,
/// i.e. back onto the work queue. No delayed-message plugin is needed.
/// </summary>
public static class RetryLadderTopology
{
    /// <summary>Where mail goes that will not be delivered: a dedicated queue, not MassTransit's <c>smime-deliver_error</c>.</summary>
    public const string DeadLetterQueue = "smime-deliver-dead";

    /// <summary>The name of rung <paramref name="step"/> (1-based): <c>smime-deliver-retry-N</c>.</summary>
    public static string RungName(int step) => $"{QueueNames.Deliver}-retry-{step.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The queue arguments of a rung that waits <paramref name="delay"/>.</summary>
    public static Dictionary<string, object?> RungArguments(TimeSpan delay) => new()
    {
        ["x-queue-type"] = "quorum",
        ["x-message-ttl"] = (long)delay.TotalMilliseconds,
        ["x-dead-letter-exchange"] = QueueNames.Deliver,
        ["x-dead-letter-strategy"] = "at-least-once",
        ["x-overflow"] = "reject-publish",
    };

    /// <summary>The dead-letter queue's arguments.</summary>
    public static Dictionary<string, object?> DeadLetterArguments() => new() { ["x-queue-type"] = "quorum" };
}
