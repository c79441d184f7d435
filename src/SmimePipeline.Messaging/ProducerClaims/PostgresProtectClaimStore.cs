using Npgsql;
using NpgsqlTypes;
using SmimePipeline.Postgres;

namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>
/// Producer claims in PostgreSQL, table <c>smime_protect_claims</c> (<see cref="CreateSchemaSql"/>), for producers in
/// other services that share no volume with the pipeline. Least privilege: producers need only
/// <c>INSERT</c>; signers <c>SELECT</c>, <c>UPDATE (consumed, content, length)</c> and <c>DELETE</c> (see the README's "Producer claim
/// check"). The signers create the table at start (<see cref="EnsureSchemaAsync"/>); a producer never runs DDL.
/// The content column is stored out of line and uncompressed (<c>STORAGE EXTERNAL</c>): mail bodies and attachments
/// rarely compress, and its length is then read without reading the content.
/// </summary>
public sealed class PostgresProtectClaimStore : IProtectClaimStore, IAsyncDisposable
{
    /// <summary>The table's name.</summary>
    public const string Table = "smime_protect_claims";

    /// <summary>The schema the signers create when it is missing (idempotent; serialised by an advisory lock).</summary>
    public const string CreateSchemaSql =
        "SELECT pg_advisory_xact_lock(7283641170001); " +
        "CREATE TABLE IF NOT EXISTS " + Table + " (id UUID PRIMARY KEY, created TIMESTAMPTZ NOT NULL, " +
        "length BIGINT NOT NULL CHECK (length >= 0), sha256 BYTEA NOT NULL CHECK (octet_length(sha256) = 32), " +
        "content BYTEA NOT NULL, consumed TIMESTAMPTZ NULL, CHECK (octet_length(content) = length)); " +
        "ALTER TABLE " + Table + " ALTER COLUMN content SET STORAGE EXTERNAL; " +
        "CREATE INDEX IF NOT EXISTS " + Table + "_created ON " + Table + " (created); " +
        "CREATE INDEX IF NOT EXISTS " + Table + "_consumed ON " + Table + " (consumed) WHERE consumed IS NOT NULL;";

    /// <summary>Socket buffer size per pooled connection, read and write, unless the connection string sets one: 64 KB.</summary>
    public const int LargeValueBufferBytes = 64 * 1024;

    /// <summary>Statements kept prepared per connection unless the connection string sets <c>Max Auto Prepare</c>: this store runs five.</summary>
    public const int AutoPreparedStatements = 8;

    // The content's TOAST chunks are deleted now, seconds after the INSERT wrote them and usually before the next
    // checkpoint: without full-page images, and their pages are free for the next claims. The CHECK (octet_length(content)
    // = length) holds: the length follows the content.
    private static readonly string MarkConsumedAndReleaseSql =
        $"UPDATE {Table} SET consumed = $2, content = substring(content FROM 1 FOR {ProtectClaimContent.FixedPreambleBytes}), " +
        $"length = LEAST(length, {ProtectClaimContent.FixedPreambleBytes}) WHERE id = $1 AND consumed IS NULL";

    private const string MarkConsumedSql = "UPDATE " + Table + " SET consumed = $2 WHERE id = $1 AND consumed IS NULL";

    private const string MayReleaseSql =
        "SELECT has_column_privilege('" + Table + "', 'content', 'UPDATE') AND has_column_privilege('" + Table + "', 'length', 'UPDATE')";

    // VACUUM is for the table's owner, the database's owner or a superuser (pg_has_role is true for a superuser).
    private const string MayVacuumSql =
        "SELECT pg_has_role(c.relowner, 'USAGE') OR pg_has_role(d.datdba, 'USAGE') FROM pg_class c, pg_database d " +
        "WHERE c.oid = '" + Table + "'::regclass AND d.datname = current_database()";

    // SKIP_LOCKED: another signer's vacuum (or autovacuum) of the table is running, so this one is not needed; waiting
    // would only queue behind it. TRUNCATE false: the freed pages at the table's end stay for the next claims instead of
    // being given back to the file system and written as zeros again when the table grows back (and truncation needs a
    // brief exclusive lock that the claims' statements would wait for).
    private const string VacuumSql = "VACUUM (SKIP_LOCKED, TRUNCATE false) " + Table;

    private long _releasedSinceVacuum;

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>
    /// Connects with <paramref name="connectionString"/> (Npgsql syntax), holding at most <paramref name="maxConnections"/>
    /// connections (or the connection string's <c>Maximum Pool Size</c> when lower: <see cref="PostgresPoolBound"/>);
    /// nothing is opened until the first call.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The connection string is empty or not valid Npgsql syntax, turns pooling off, or asks for a minimum pool above the
    /// bound; or <paramref name="maxConnections"/> is outside 1–<see cref="PostgresPoolBound.MostConnections"/>.
    /// </exception>
    public PostgresProtectClaimStore(string connectionString, int maxConnections)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // No statement here changes session state, so resetting each pooled connection (DISCARD ALL) would only cost.
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        MaxConnections = PostgresPoolBound.Apply(builder.ConnectionStringBuilder, connectionString, maxConnections, ProtectClaimStoreConnections.StoreName);
        TuneForLargeValues(builder.ConnectionStringBuilder, connectionString);
        Server = $"{builder.ConnectionStringBuilder.Host}:{builder.ConnectionStringBuilder.Port}/{builder.ConnectionStringBuilder.Database}";
        _dataSource = builder.Build();
    }

    /// <summary>
    /// Connects with <paramref name="connectionString"/>, holding at most
    /// <see cref="ProtectClaimStoreConnections.DefaultSignerMaxConnections"/> connections (or the connection string's
    /// <c>Maximum Pool Size</c> when lower).
    /// </summary>
    /// <exception cref="ArgumentException">The connection string is empty, not valid Npgsql syntax, or cannot be bounded.</exception>
    public PostgresProtectClaimStore(string connectionString)
        : this(connectionString, ProtectClaimStoreConnections.DefaultSignerMaxConnections)
    {
    }

    /// <summary>The most connections this store holds at once (its pool's <c>Maximum Pool Size</c>).</summary>
    public int MaxConnections { get; }

    /// <summary>
    /// Whether <see cref="MarkConsumedAsync"/> releases a consumed claim's content (see <see cref="IProtectClaimStore"/>):
    /// true until <see cref="EnsureSchemaAsync"/> finds, or a mark meets, a role without <c>UPDATE</c> on <c>content</c> and
    /// <c>length</c>; then the content stays until the sweep, as it did before.
    /// </summary>
    public bool ReleasesContent { get; private set; } = true;

    /// <summary>
    /// Whether this role may vacuum the table (<see cref="ReclaimReleasedSpaceAsync"/>: its owner, the database's owner or a
    /// superuser), as <see cref="EnsureSchemaAsync"/> or the first reclaim found; null until one of them asked.
    /// </summary>
    public bool? MayVacuum { get; private set; }

    /// <summary>Where the store is, as <c>host:port/database</c> (no user, no password), for messages.</summary>
    public string Server { get; }

    /// <summary>
    /// The data path for values of megabytes (issue 17, session 10), where the operator's connection string does not
    /// say otherwise. Prepared statements (<see cref="NpgsqlConnectionStringBuilder.MaxAutoPrepare"/>): an unprepared
    /// statement is planned anew for every execution with its parameters as constants, and PostgreSQL's planner copied
    /// the whole content several times doing so (≈ 20 % of the server's CPU for a 1.5 MB claim); a prepared one runs its
    /// generic plan, which reads the parameter in place. Socket buffers (<see cref="NpgsqlConnectionStringBuilder.ReadBufferSize"/>,
    /// <see cref="NpgsqlConnectionStringBuilder.WriteBufferSize"/>) of <see cref="LargeValueBufferBytes"/> instead of 8 KB,
    /// so that a claim crosses the socket in tens of system calls instead of hundreds; they are per pooled connection.
    /// </summary>
    internal static void TuneForLargeValues(NpgsqlConnectionStringBuilder settings, string connectionString)
    {
        var given = NpgsqlConnectionStringKeywords.Given(connectionString);
        if (!given.Contains(nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare)))
        {
            settings.MaxAutoPrepare = AutoPreparedStatements;
        }

        if (!given.Contains(nameof(NpgsqlConnectionStringBuilder.ReadBufferSize)))
        {
            settings.ReadBufferSize = LargeValueBufferBytes;
        }

        if (!given.Contains(nameof(NpgsqlConnectionStringBuilder.WriteBufferSize)))
        {
            settings.WriteBufferSize = LargeValueBufferBytes;
        }
    }

    /// <summary>
    /// Creates the table and its indexes when missing (the signers' start; needs <c>CREATE</c> on the schema), and finds
    /// out whether this role may release consumed claims' content (<see cref="ReleasesContent"/>).
    /// </summary>
    /// <exception cref="ProtectClaimStoreException">PostgreSQL is unreachable or refused the DDL.</exception>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand(CreateSchemaSql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            await using var privileges = new NpgsqlCommand(MayReleaseSql, connection);
            ReleasesContent = await privileges.ExecuteScalarAsync(cancellationToken) is true;
            MayVacuum = await MayVacuumAsync(connection, cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw Failed("create the table " + Table, e);
        }
    }

    /// <inheritdoc />
    public async Task PutAsync(ProtectClaimId id, ReadOnlyMemory<byte> content, byte[] sha256, DateTimeOffset created, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sha256);
        try
        {
            await using var command = _dataSource.CreateCommand(
                "INSERT INTO " + Table + " (id, created, length, sha256, content) VALUES ($1, $2, $3, $4, $5)");
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id.Value });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = created.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = content.Length });
            command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = sha256 });
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = content, NpgsqlDbType = NpgsqlDbType.Bytea });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw Failed($"store producer claim {id}", e);
        }
    }

    /// <inheritdoc />
    public async Task<StoredProtectClaim?> LoadAsync(ProtectClaimId id, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            // The content is selected only when its stored length is within the limit: an oversize claim is never read.
            await using var command = _dataSource.CreateCommand(
                "SELECT octet_length(content), sha256, consumed, CASE WHEN octet_length(content) <= $2 THEN content END FROM " + Table + " WHERE id = $1");
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id.Value });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxBytes });
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow | System.Data.CommandBehavior.SequentialAccess, cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            var length = reader.GetInt64(0);
            var sha256 = await reader.GetFieldValueAsync<byte[]>(1, cancellationToken);
            DateTimeOffset? consumed = await reader.IsDBNullAsync(2, cancellationToken) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(2), TimeSpan.Zero);
            byte[]? content = await reader.IsDBNullAsync(3, cancellationToken) ? null : await reader.GetFieldValueAsync<byte[]>(3, cancellationToken);
            return new StoredProtectClaim(length, sha256, content, consumed);
        }
        catch (NpgsqlException e)
        {
            throw Failed($"read producer claim {id}", e);
        }
    }

    /// <inheritdoc />
    public async Task MarkConsumedAsync(ProtectClaimId id, DateTimeOffset consumed, CancellationToken cancellationToken)
    {
        try
        {
            if (ReleasesContent)
            {
                try
                {
                    if (await MarkAsync(MarkConsumedAndReleaseSql, id, consumed, cancellationToken))
                    {
                        Interlocked.Increment(ref _releasedSinceVacuum);
                    }

                    return;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
                {
                    // The role has UPDATE (consumed) only (the grants before session 12): keep the content, as before.
                    ReleasesContent = false;
                }
            }

            await MarkAsync(MarkConsumedSql, id, consumed, cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw Failed($"mark producer claim {id} consumed", e);
        }
    }

    // Whether a claim was marked now (not before, not gone).
    private async Task<bool> MarkAsync(string sql, ProtectClaimId id, DateTimeOffset consumed, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id.Value });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = consumed.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    /// <remarks>
    /// PostgreSQL: <c>VACUUM (SKIP_LOCKED, TRUNCATE false)</c> of the table when this store released a claim's content since
    /// its last call and this role may (<see cref="MayVacuum"/>), so that the space of the released TOAST chunks is free for
    /// the next claims within seconds. Without it the table grows by every claim until autovacuum comes by (at most once a
    /// minute per database on PostgreSQL's defaults), and each new page is written to disk as zeros when the table grows
    /// and at least once more when it leaves the server's buffers (issue 17, session 16). Removes only dead row versions:
    /// no claim is touched. Skipped when another vacuum of the table is running.
    /// </remarks>
    /// <exception cref="ProtectClaimStoreException">PostgreSQL is unreachable or refused the VACUUM.</exception>
    public async Task<bool> ReclaimReleasedSpaceAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _releasedSinceVacuum, 0) == 0)
        {
            return false;
        }

        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            MayVacuum ??= await MayVacuumAsync(connection, cancellationToken);
            if (MayVacuum is not true)
            {
                return false;
            }

            await using var command = new NpgsqlCommand(VacuumSql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException e)
        {
            // The released chunks are still dead: the next call tries again.
            Interlocked.Increment(ref _releasedSinceVacuum);
            throw Failed("vacuum the table " + Table, e);
        }
    }

    private static async Task<bool> MayVacuumAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var owner = new NpgsqlCommand(MayVacuumSql, connection);
        return await owner.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <inheritdoc />
    public async Task<int> DeleteExpiredAsync(DateTimeOffset consumedBefore, DateTimeOffset createdBefore, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _dataSource.CreateCommand("DELETE FROM " + Table + " WHERE consumed < $1 OR created < $2");
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = consumedBefore.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = createdBefore.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw Failed("delete expired producer claims", e);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    // The PostgreSQL message (e.g. "permission denied for table", "relation does not exist") names the cause; it never
    // carries a parameter's value, so no content reaches the exception. Without an answer from the server (refused or
    // broken socket, timeout, the pool's wait), the driver's message and its inner one's say what happened.
    private ProtectClaimStoreException Failed(string what, NpgsqlException e)
    {
        var cause = e is PostgresException p
            ? $"SQLSTATE {p.SqlState} {p.MessageText}"
            : e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
        return new(
            $"PostgreSQL producer claim store {Server} (at most {MaxConnections} connections): could not {what}: {cause}",
            e,
            (e as PostgresException)?.SqlState,
            PostgresFailureKind.IsTransient(e));
    }
}
