using System.Data.Common;
using System.Globalization;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// <see cref="IRecipientFateLedger"/> on an SQL database; the statements are the same for SQLite and PostgreSQL.
/// Booleans are stored as integers so that both read them alike.
/// </summary>
public abstract class SqlRecipientFateLedger : IRecipientFateLedger
{
    private const string Columns = "event_id, mail_id, recipient, kind, esp_event_type, occurred_at, provider, provider_message_id, bounce_class, hard, remote_answer";
    private readonly Lock _createLock = new();
    private Task? _creation;

    /// <summary>Opens a connection to the database.</summary>
    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>The <c>CREATE TABLE/INDEX IF NOT EXISTS</c> statements for this database.</summary>
    protected abstract string CreateTablesSql { get; }

    /// <inheritdoc />
    public async Task<bool> RecordAsync(RecipientFate fate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fate);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText =
            $"INSERT INTO smime_recipient_events ({Columns}, published) VALUES " +
            "(@event, @mail, @recipient, @kind, @type, @at, @provider, @pmid, @class, @hard, @answer, 0) ON CONFLICT (event_id) DO NOTHING";
        Add(command, "@event", fate.EventId);
        Add(command, "@mail", Key(fate.MailId));
        Add(command, "@recipient", fate.Recipient);
        Add(command, "@kind", fate.Kind.ToString());
        Add(command, "@type", fate.EspEventType);
        Add(command, "@at", fate.OccurredAt.UtcDateTime);
        Add(command, "@provider", fate.Provider);
        Add(command, "@pmid", fate.ProviderMessageId);
        Add(command, "@class", fate.BounceClass);
        Add(command, "@hard", fate.Hard is null ? null : fate.Hard.Value ? 1 : 0);
        Add(command, "@answer", fate.RemoteAnswer);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <inheritdoc />
    public async Task<bool> IsPublishedAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT published FROM smime_recipient_events WHERE event_id = @event";
        Add(command, "@event", eventId);
        var value = await command.ExecuteScalarAsync(cancellationToken);
        return value is not null and not DBNull && Convert.ToInt32(value, CultureInfo.InvariantCulture) == 1;
    }

    /// <inheritdoc />
    public async Task MarkPublishedAsync(string eventId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE smime_recipient_events SET published = 1 WHERE event_id = @event";
        Add(command, "@event", eventId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> IsBatchDoneAsync(string batchId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM smime_webhook_batches WHERE batch_id = @batch";
        Add(command, "@batch", batchId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) > 0;
    }

    /// <inheritdoc />
    public async Task MarkBatchDoneAsync(string batchId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO smime_webhook_batches (batch_id, done_at) VALUES (@batch, @at) ON CONFLICT (batch_id) DO NOTHING";
        Add(command, "@batch", batchId);
        Add(command, "@at", at.UtcDateTime);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RecipientFate>> ListAsync(Guid mailId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM smime_recipient_events WHERE mail_id = @mail ORDER BY occurred_at, event_id";
        Add(command, "@mail", Key(mailId));
        return await ReadAsync(command, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RecipientFate>> ListAsync(RecipientFateKind kind, DateTimeOffset since, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM smime_recipient_events WHERE kind = @kind AND occurred_at >= @since ORDER BY occurred_at DESC, event_id LIMIT @limit";
        Add(command, "@kind", kind.ToString());
        Add(command, "@since", since.UtcDateTime);
        Add(command, "@limit", limit);
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<RecipientFate>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var fates = new List<RecipientFate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            fates.Add(new RecipientFate(
                reader.GetString(0),
                Guid.Parse(reader.GetString(1)),
                reader.GetString(2),
                Enum.Parse<RecipientFateKind>(reader.GetString(3)),
                reader.GetString(4),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc)),
                reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : Convert.ToInt32(reader.GetValue(8), CultureInfo.InvariantCulture),
                reader.IsDBNull(9) ? null : Convert.ToInt32(reader.GetValue(9), CultureInfo.InvariantCulture) == 1,
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return fates;
    }

    private static string Key(Guid mailId) => mailId.ToString("D", CultureInfo.InvariantCulture);

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        Task creation;
        lock (_createLock)
        {
            if (_creation is null || _creation.IsFaulted || _creation.IsCanceled)
            {
                _creation = CreateTablesAsync();
            }

            creation = _creation;
        }

        await creation.WaitAsync(cancellationToken);
        return await OpenConnectionAsync(cancellationToken);
    }

    private async Task CreateTablesAsync()
    {
        await using var connection = await OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = CreateTablesSql;
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
