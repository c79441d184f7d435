namespace SmimePipeline.Cli.Bench;

/// <summary>
/// <c>bench pipeline --roles</c>: the CPU per mail of each role measured apart, one after the other on the same
/// broker: the producer publishes every mail with no consumer running (publisher confirms awaited), then a
/// signer alone protects them all, then a sender alone delivers them all. The broker's share is counted in the
/// phase that caused it (enqueue in the producer's, dequeue and the <c>DeliverEmail</c> enqueue in the
/// signer's, ...), so the sum approximates the steady state's CPU per mail.
/// </summary>
/// <param name="Mails">Mails measured in each phase.</param>
/// <param name="Producer">Publishing <c>ProtectEmail</c> (client library, MassTransit, confirms).</param>
/// <param name="Signer">Consuming <c>ProtectEmail</c>, protecting, sending <c>DeliverEmail</c>, publishing <c>EmailProtected</c>.</param>
/// <param name="Sender">Consuming <c>DeliverEmail</c>, ledger, pickup file (fsync), publishing <c>EmailDelivered</c>.</param>
internal sealed record PipelineRoles(int Mails, RoleCpu Producer, RoleCpu Signer, RoleCpu Sender)
{
    /// <summary>The producer's publish window in its phase (publishes in flight, each held until confirmed); null when not traced.</summary>
    public RoleWindow? ProducerWindow { get; init; }

    /// <summary>The signer's in-flight window (<c>Signer:InFlight</c>) in its phase; null when not traced.</summary>
    public RoleWindow? SignerWindow { get; init; }

    /// <summary>The sender's window (<c>Sender:Concurrency</c>) in its phase; null when not traced.</summary>
    public RoleWindow? SenderWindow { get; init; }
}
