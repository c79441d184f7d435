using Npgsql;

namespace SmimePipeline.Postgres;

/// <summary>
/// Which PostgreSQL failures pass by themselves, so that the worker waits for them: the producer claim store's reads
/// (<c>ProducerClaimStoreRetry</c>) and the recipient directory's look-ups (<c>DirectoryUnavailableRetry</c>) share it.
/// </summary>
public static class PostgresFailureKind
{
    /// <summary>
    /// True when trying again later can succeed: SQLSTATE class 08 (connection exception) or 53 (insufficient resources:
    /// <c>53300</c> too many connections, "remaining connection slots are reserved"), <c>57P01</c>/<c>57P02</c>
    /// (the server shut down), <c>57P03</c> (cannot connect now: starting up or in recovery), <c>40001</c>/<c>40P01</c>;
    /// or no answer at all (a refused or broken socket, a timeout, the pool's wait for a connection timing out).
    /// </summary>
    public static bool IsTransient(NpgsqlException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is PostgresException postgres)
        {
            var state = postgres.SqlState;
            return state.StartsWith("08", StringComparison.Ordinal)
                || state.StartsWith("53", StringComparison.Ordinal)
                || state is "57P01" or "57P02" or "57P03" or "40001" or "40P01"
                || postgres.IsTransient;
        }

        return exception.IsTransient;
    }
}
