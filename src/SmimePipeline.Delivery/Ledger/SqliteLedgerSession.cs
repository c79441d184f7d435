using Microsoft.Data.Sqlite;

namespace SmimePipeline.Delivery.Ledger;

/// <summary>
/// One open connection of <see cref="SqliteDeliveryLedger"/> with the ledger's statements prepared on it, each the first
/// time it is asked for: SQLite then parses and plans a statement once per connection instead of on every call (the
/// parse was most of the ledger's CPU per mail, issue 17 session 13). Used by one caller at a time.
/// </summary>
internal sealed class SqliteLedgerSession(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    /// <summary>The command of <paramref name="sql"/> on this connection, prepared, with no parameters.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            command.Prepare();
            _commands.Add(sql, command);
        }

        command.Parameters.Clear();
        return command;
    }

    /// <summary>Closes the commands and the connection.</summary>
    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        connection.Dispose();
    }
}
