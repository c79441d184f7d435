using System.Globalization;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What a queue held when a bench looked, from RabbitMQ's answer to a passive <c>queue.declare</c>: its consumers and its
/// ready messages (messages a consumer holds unacknowledged are that consumer's, and it is counted).
/// </summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="Consumers">Consumers on it.</param>
/// <param name="Messages">Messages ready in it.</param>
/// <param name="FeedsInto">null for a queue the bench consumes itself; else the consumed queue its messages go to (a retry
/// rung dead-letters into <c>smime-deliver</c>).</param>
internal sealed record QueueUse(string Queue, uint Consumers, uint Messages, string? FeedsInto = null)
{
    /// <summary>Whether anything but the bench has a hand in it: a consumer, or a message the bench did not publish.</summary>
    public bool InUse => Consumers > 0 || Messages > 0;

    /// <summary>The queue with its counts, as the refusal names it.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Queue} ({Consumers} {(Consumers == 1 ? "consumer" : "consumers")}, {Messages} {(Messages == 1 ? "message" : "messages")} ready{(FeedsInto is null ? "" : $"; they return to {FeedsInto}")})");
}
