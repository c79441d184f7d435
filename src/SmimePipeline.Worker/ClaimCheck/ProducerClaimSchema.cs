using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Creates the producer claim table at the signers' start (before the bus), the way the delivery ledger creates its
/// own: producers, which may only insert, never run DDL. A start without PostgreSQL fails here, naming the store.
/// </summary>
public sealed class ProducerClaimSchema(IProtectClaimStore store) : IHostedService
{
    /// <inheritdoc />
    /// <exception cref="ProtectClaimStoreException">PostgreSQL is unreachable or refused the DDL.</exception>
    public Task StartAsync(CancellationToken cancellationToken) =>
        store is PostgresProtectClaimStore postgres ? postgres.EnsureSchemaAsync(cancellationToken) : Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
