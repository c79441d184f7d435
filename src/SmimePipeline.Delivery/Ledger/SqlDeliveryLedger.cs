using System.Data.Common;
using System.Globalization;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The ledger on an SQL database; the statements are the same for SQLite and PostgreSQL
/// (<c>INSERT … ON CONFLICT … DO UPDATE … WHERE</c> is supported by both). Every write is one such upsert
/// (<see cref="Upsert"/>), so a row is created by whichever write comes first and no write needs a read before it.
/// </summary>
public abstract class SqlDeliveryLedger : IDeliveryLedger
{
    private const string Handing = "handing";
    private const string Accepted = "accepted";
    private const string Refused = "refused";
    private const string Unknown = "unknown";

    private const string SelectEntry =
        "SELECT state, provider, provider_message_id, attempts, updated_at FROM smime_delivery_ledger WHERE mail_id = @id";

    // A new attempt: counts it; never touches an accepted mail.
    private static readonly string RecordHandingSql = Upsert(
        "'handing'", "NULL", "attempts = smime_delivery_ledger.attempts + 1, ", "smime_delivery_ledger.state <> 'accepted'");

    // One statement, so two senders holding copies of the same mail cannot both claim it.
    private static readonly string ClaimSql = Upsert(
        "'handing'", "NULL", "attempts = smime_delivery_ledger.attempts + 1, ",
        "smime_delivery_ledger.state IN ('refused', 'unknown') OR (smime_delivery_ledger.state = 'handing' AND smime_delivery_ledger.updated_at < @stale)");

    // The entry before the claim, then the claim, in one command: one connection and (on PostgreSQL) one round trip.
    private static readonly string ReadThenClaimSql = SelectEntry + "; " + ClaimSql;

    private static readonly string RecordNotAcceptedSql = Upsert("@state", "NULL", "", "smime_delivery_ledger.state <> 'accepted'");

    private static readonly string RecordAcceptedSql = Upsert("'accepted'", "@pmid", "provider_message_id = @pmid, ", onlyWhen: null);

    private readonly Lock _createLock = new();
    private Task? _creation;

    /// <summary>Opens a connection to the database.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>The <c>CREATE TABLE IF NOT EXISTS</c> statement(s) for this database.</summary>
    protected abstract string CreateTableSql { get; }

    /// <inheritdoc />
    public async Task<DeliveryLedgerEntry?> FindAsync(Guid mailId, CancellationToken cancellationToken)
    {
        return await RunAsync(
            SelectEntry,
            command => AddParameter(command, "@id", Key(mailId)),
            async command =>
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                return await ReadEntryAsync(reader, mailId, cancellationToken);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task RecordHandingAsync(Guid mailId, string provider, DateTimeOffset at, CancellationToken cancellationToken)
        => ExecuteAsync(RecordHandingSql, mailId, provider, at, extra: null, cancellationToken);

    /// <inheritdoc />
    public async Task<HandOverClaim> ClaimHandOverAsync(Guid mailId, string provider, DateTimeOffset at, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        return await RunAsync(
            ReadThenClaimSql,
            command =>
            {
                AddWriteParameters(command, mailId, provider, at);
                AddParameter(command, "@stale", staleBefore.UtcDateTime);
            },
            async command =>
            {
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                var previous = await ReadEntryAsync(reader, mailId, cancellationToken);
                // Reading past the only row finishes the read (on SQLite its read transaction ends) before the claim runs
                // as a write transaction of its own; moving to the next result runs the claim, which returns no rows.
                await reader.ReadAsync(cancellationToken);
                await reader.NextResultAsync(cancellationToken);
                await reader.CloseAsync();
                return new HandOverClaim(reader.RecordsAffected > 0, previous);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task RecordNotAcceptedAsync(Guid mailId, string provider, DeliveryLedgerState outcome, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var state = outcome switch
        {
            DeliveryLedgerState.Refused => Refused,
            DeliveryLedgerState.OutcomeUnknown => Unknown,
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Only Refused or OutcomeUnknown describe an attempt that was not accepted."),
        };
        return ExecuteAsync(RecordNotAcceptedSql, mailId, provider, at, ("@state", state), cancellationToken);
    }

    /// <inheritdoc />
    public Task RecordAcceptedAsync(Guid mailId, string provider, string? providerMessageId, DateTimeOffset at, CancellationToken cancellationToken)
        => ExecuteAsync(RecordAcceptedSql, mailId, provider, at, ("@pmid", (object?)providerMessageId ?? DBNull.Value), cancellationToken);

    /// <summary>
    /// The one statement shape of every write: insert the mail's row as <paramref name="state"/> (first attempt), or
    /// update the existing row's state, provider and time, plus <paramref name="alsoSet"/>, when <paramref name="onlyWhen"/>
    /// holds (always when null). Parameters: <c>@id</c>, <c>@provider</c>, <c>@at</c> and those the parts name.
    /// </summary>
    private static string Upsert(string state, string providerMessageId, string alsoSet, string? onlyWhen) =>
        "INSERT INTO smime_delivery_ledger (mail_id, state, provider, provider_message_id, attempts, updated_at) " +
        $"VALUES (@id, {state}, @provider, {providerMessageId}, 1, @at) " +
        $"ON CONFLICT (mail_id) DO UPDATE SET state = {state}, provider = @provider, {alsoSet}updated_at = @at" +
        (onlyWhen is null ? "" : $" WHERE {onlyWhen}");

    private static async Task<DeliveryLedgerEntry?> ReadEntryAsync(DbDataReader reader, Guid mailId, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var state = reader.GetString(0) switch
        {
            Accepted => DeliveryLedgerState.Accepted,
            Refused => DeliveryLedgerState.Refused,
            Unknown => DeliveryLedgerState.OutcomeUnknown,
            _ => DeliveryLedgerState.HandingToEsp,
        };
        var updated = DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc);
        return new DeliveryLedgerEntry(
            mailId, state, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt32(3), new DateTimeOffset(updated));
    }

    private static string Key(Guid mailId) => mailId.ToString("D", CultureInfo.InvariantCulture);

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// Adds the parameters every write of <see cref="Upsert"/> names: <c>@id</c> (the mail's key), <c>@provider</c> and
    /// <c>@at</c> (in UTC).
    /// </summary>
    private static void AddWriteParameters(DbCommand command, Guid mailId, string provider, DateTimeOffset at)
    {
        AddParameter(command, "@id", Key(mailId));
        AddParameter(command, "@provider", provider);
        AddParameter(command, "@at", at.UtcDateTime);
    }

    private Task<int> ExecuteAsync(string sql, Guid mailId, string provider, DateTimeOffset at, (string Name, object Value)? extra, CancellationToken cancellationToken) =>
        RunAsync(
            sql,
            command =>
            {
                AddWriteParameters(command, mailId, provider, at);
                if (extra is { } parameter)
                {
                    AddParameter(command, parameter.Name, parameter.Value);
                }
            },
            command => command.ExecuteNonQueryAsync(cancellationToken),
            cancellationToken);

    /// <summary>
    /// Runs one of the ledger's statements: a command of <paramref name="sql"/> on an open connection, its parameters
    /// added by <paramref name="bind"/> (to none), then <paramref name="run"/>. This one opens a connection (from the
    /// provider's pool) and a new command for the call and closes both after it; a ledger may keep them instead.
    /// </summary>
    private protected virtual async Task<T> RunAsync<T>(string sql, Action<DbCommand> bind, Func<DbCommand, Task<T>> run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(run);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        bind(command);
        return await run(command);
    }

    /// <summary>Creates the table once per process (<see cref="CreateTableSql"/>); a failed creation is tried again by the next call.</summary>
    private protected Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        Task creation;
        lock (_createLock)
        {
            // Once per process; a failed creation is retried by the next call.
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled)
            {
                _creation = CreateTableAsync();
            }

            creation = _creation;
        }

        return creation.WaitAsync(cancellationToken);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureTableAsync(cancellationToken);
        return await OpenConnectionAsync(cancellationToken);
    }

    private async Task CreateTableAsync()
    {
        await using var connection = await OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = CreateTableSql;
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
