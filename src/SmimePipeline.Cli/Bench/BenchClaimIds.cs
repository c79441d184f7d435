using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using SmimePipeline.Messaging.ProducerClaims;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The producer claims one <c>bench pipeline</c> run stored (<see cref="RecordingProtectClaimStore"/> notes each id), so
/// that the run can delete them once the signer has consumed them: back-to-back runs with large mails then start from
/// the same claim table (session 10 saw later runs slower while consumed 1.5 MB claims waited an hour for the sweeper).
/// Only rows with this run's ids are deleted, and only consumed ones: claims of other producers, other benches and mails
/// still in flight stay for the signers' sweeper.
/// </summary>
internal sealed class BenchClaimIds
{
    private readonly ConcurrentQueue<Guid> _ids = new();

    /// <summary>Notes claim <paramref name="id"/> as this run's.</summary>
    public void Add(ProtectClaimId id) => _ids.Enqueue(id.Value);

    /// <summary>Claims this run stored so far.</summary>
    public int Count => _ids.Count;

    /// <summary>Deletes this run's consumed claims from <see cref="PostgresProtectClaimStore.Table"/> and vacuums it; returns how many were deleted.</summary>
    /// <exception cref="NpgsqlException">PostgreSQL refused or could not be reached.</exception>
    public async Task<int> DeleteConsumedAsync(string connectionString, CancellationToken cancellationToken)
    {
        var ids = _ids.ToArray();
        if (ids.Length == 0)
        {
            return 0;
        }

        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        await using var command = source.CreateCommand("DELETE FROM " + PostgresProtectClaimStore.Table + " WHERE id = ANY($1) AND consumed IS NOT NULL");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        int deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        // The run's dead rows and TOAST chunks (hundreds of thousands for 300 large mails) are vacuumed now rather than by
        // autovacuum during the next run: session 11's quiet bench had its one stalled alone run right after a mixed run,
        // with PostgreSQL taking 5-12 times its usual CPU in a run without claims. A role that may not vacuum the table
        // gets a warning from PostgreSQL, not an error, and autovacuum does it as before.
        await using var vacuum = source.CreateCommand("VACUUM " + PostgresProtectClaimStore.Table);
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
        return deleted;
    }
}
