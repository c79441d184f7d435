using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace SmimePipeline.CertificateDirectory;

/// <summary>The recipient directory in an embedded SQLite file: the default, for one node.</summary>
public sealed class SqliteRecipientDirectory : SqlRecipientDirectory
{
    private readonly string _connectionString;

    /// <summary>Opens (and creates, with its tables, if missing) the directory file.</summary>
    /// <param name="path">The SQLite file.</param>
    /// <param name="timeProvider">The clock; default system.</param>
    public SqliteRecipientDirectory(string path, TimeProvider? timeProvider = null)
        : base("", timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        // Pooling off: the file is not held open between lookups, so the CLI and a worker can share it.
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false, DefaultTimeout = 30 }.ToString();
        EnsureSchema();
    }

    /// <summary>The SQLite file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    protected override string BinaryType => "BLOB";

    /// <inheritdoc />
    protected override string DirectoryName => $"SQLite recipient directory {Path}";

    /// <inheritdoc />
    /// <remarks>SQLITE_BUSY (5) and SQLITE_LOCKED (6): another process holds the file longer than the 30 s busy timeout.</remarks>
    protected override bool IsTransient(DbException exception) => exception is SqliteException { SqliteErrorCode: 5 or 6 } || base.IsTransient(exception);

    /// <inheritdoc />
    protected override DbConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}
