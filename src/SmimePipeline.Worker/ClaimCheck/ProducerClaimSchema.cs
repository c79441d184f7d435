using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Creates the producer claim table at the signers' start (before the bus), the way the delivery ledger creates its
/// own: producers, which may only insert, never run DDL. A start without PostgreSQL fails here, naming the store. A
/// signers' role that may not release consumed claims' content (<c>UPDATE (consumed)</c> only, the grants before
/// session 12) gets one warning: everything works, but each claim stays whole until the sweep and is written again then.
/// A role that may not vacuum the table (not its owner) gets one too: the released space then waits for autovacuum
/// (<see cref="ProducerClaimVacuum"/>).
/// </summary>
public sealed partial class ProducerClaimSchema(IProtectClaimStore store, IOptions<ProducerClaimOptions> options, ILogger<ProducerClaimSchema> logger) : IHostedService
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

            if (postgres.MayVacuum is false && options.Value.VacuumInterval > TimeSpan.Zero)
            {
                NotVacuumed(logger, postgres.Server, PostgresProtectClaimStore.Table);
            }
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3017, Level = LogLevel.Warning, Message = "Producer claim store {Server}: this role may not update content and length of {Table}, so consumed claims keep their content until the sweep (and PostgreSQL writes it once more then); GRANT UPDATE (consumed, content, length) ON {Table} TO the signers' role")]
    private static partial void ContentNotReleased(ILogger logger, string server, string table);

    [LoggerMessage(EventId = 3018, Level = LogLevel.Warning, Message = "Producer claim store {Server}: this role does not own {Table}, so it cannot vacuum it after releasing claims; their space waits for autovacuum and the table grows meanwhile (each new page is written twice). Let the signers' role own the table, or set SmimePipeline:ProducerClaims:VacuumInterval to 0 to silence this")]
    private static partial void NotVacuumed(ILogger logger, string server, string table);
}
