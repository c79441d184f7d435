using System.Data.Common;
using System.Globalization;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// The ledger on an SQL database; the statements are the same for SQLite and PostgreSQL
/// (<c>INSERT … ON CONFLICT … DO UPDATE … WHERE</c> is supported by both).
/// </summary>
public abstract class SqlDeliveryLedger : IDeliveryLedger
{
    private const string Handing = "handing";
    private const string Accepted = "accepted";
    private const string Refused = "refused";
    private const string Unknown = "unknown";

    private readonly Lock _createLock = new();
    private Task? _creation;

    /// <summary>Opens a connection to the database.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>The <c>CREATE TABLE IF NOT EXISTS</c> statement(s) for this database.</summary>
    protected abstract string CreateTableSql { get; }

    /// <inheritdoc />
    public async Task<DeliveryLedgerEntry?> FindAsync(Guid mailId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, provider, provider_message_id, attempts, updated_at FROM smime_delivery_ledger WHERE mail_id = @id";
        AddParameter(command, "@id", Key(mailId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
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

    /// <inheritdoc />
    public async Task RecordHandingAsync(Guid mailId, string provider, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO smime_delivery_ledger (mail_id, state, provider, provider_message_id, attempts, updated_at) " +
            "VALUES (@id, 'handing', @provider, NULL, 1, @at) " +
            "ON CONFLICT (mail_id) DO UPDATE SET state = 'handing', provider = @provider, attempts = smime_delivery_ledger.attempts + 1, updated_at = @at " +
            "WHERE smime_delivery_ledger.state <> 'accepted'";
        AddParameter(command, "@id", Key(mailId));
        AddParameter(command, "@provider", provider);
        AddParameter(command, "@at", at.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> TryClaimHandOverAsync(Guid mailId, string provider, DateTimeOffset at, DateTimeOffset staleBefore, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // One statement, so two senders holding copies of the same mail cannot both claim it.
        command.CommandText =
            "INSERT INTO smime_delivery_ledger (mail_id, state, provider, provider_message_id, attempts, updated_at) " +
            "VALUES (@id, 'handing', @provider, NULL, 1, @at) " +
            "ON CONFLICT (mail_id) DO UPDATE SET state = 'handing', provider = @provider, attempts = smime_delivery_ledger.attempts + 1, updated_at = @at " +
            "WHERE smime_delivery_ledger.state IN ('refused', 'unknown') " +
            "OR (smime_delivery_ledger.state = 'handing' AND smime_delivery_ledger.updated_at < @stale)";
        AddParameter(command, "@id", Key(mailId));
        AddParameter(command, "@provider", provider);
        AddParameter(command, "@at", at.UtcDateTime);
        AddParameter(command, "@stale", staleBefore.UtcDateTime);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    public async Task RecordNotAcceptedAsync(Guid mailId, string provider, DeliveryLedgerState outcome, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var state = outcome switch
        {
            DeliveryLedgerState.Refused => Refused,
            DeliveryLedgerState.OutcomeUnknown => Unknown,
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Only Refused or OutcomeUnknown describe an attempt that was not accepted."),
        };
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO smime_delivery_ledger (mail_id, state, provider, provider_message_id, attempts, updated_at) " +
            "VALUES (@id, @state, @provider, NULL, 1, @at) " +
            "ON CONFLICT (mail_id) DO UPDATE SET state = @state, provider = @provider, updated_at = @at " +
            "WHERE smime_delivery_ledger.state <> 'accepted'";
        AddParameter(command, "@id", Key(mailId));
        AddParameter(command, "@state", state);
        AddParameter(command, "@provider", provider);
        AddParameter(command, "@at", at.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordAcceptedAsync(Guid mailId, string provider, string? providerMessageId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            "INSERT INTO smime_delivery_ledger (mail_id, state, provider, provider_message_id, attempts, updated_at) " +
            "VALUES (@id, 'accepted', @provider, @pmid, 1, @at) " +
            "ON CONFLICT (mail_id) DO UPDATE SET state = 'accepted', provider = @provider, provider_message_id = @pmid, updated_at = @at";
        AddParameter(command, "@id", Key(mailId));
        AddParameter(command, "@provider", provider);
        AddParameter(command, "@pmid", (object?)providerMessageId ?? DBNull.Value);
        AddParameter(command, "@at", at.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Key(Guid mailId) => mailId.ToString("D", CultureInfo.InvariantCulture);

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
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

        await creation.WaitAsync(cancellationToken);
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
