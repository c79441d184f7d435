using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Client;

/// <summary>
/// The claim store the client uses, or none: one instance per container, so that a PostgreSQL store the client creates
/// has its connection pool created once and disposed with the container.
/// </summary>
internal sealed class ClientClaimStore(IProtectClaimStore? store, bool owned) : IAsyncDisposable
{
    /// <summary>The store, or null when the producer claim check is off.</summary>
    public IProtectClaimStore? Store { get; } = store;

    /// <summary>Disposes the store when the client created it (a host's own store is the host's to dispose).</summary>
    public ValueTask DisposeAsync() => owned && Store is IAsyncDisposable own ? own.DisposeAsync() : ValueTask.CompletedTask;
}
