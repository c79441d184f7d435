using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Creates the producer claim table at the signers' start (before the bus), the way the delivery ledger creates its
/// own: producers, which may only insert, never run DDL. A start without PostgreSQL fails here, naming the store. A
/// signers' role that may not release consumed claims' content (<c>UPDATE (consumed)</c> only, the grants before
/// session 12) gets one warning: everything works, but each claim stays whole until the sweep and is written again then.
/// </summary>
public sealed partial class ProducerClaimSchema(IProtectClaimStore store, ILogger<ProducerClaimSchema> logger) : IHostedService
{
    /// <inheritdoc />
    /// <exception cref="ProtectClaimStoreException">PostgreSQL is unreachable or refused the DDL.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store is PostgresProtectClaimStore postgres)
        {
            await postgres.EnsureSchemaAsync(cancellationToken);
            if (!postgres.ReleasesContent)
            {
                ContentNotReleased(logger, postgres.Server, PostgresProtectClaimStore.Table);
            }
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Producer claim store {Server}: this role may not update content and length of {Table}, so consumed claims keep their content until the sweep (and PostgreSQL writes it once more then); GRANT UPDATE (consumed, content, length) ON {Table} TO the signers' role")]
    private static partial void ContentNotReleased(ILogger logger, string server, string table);
}
