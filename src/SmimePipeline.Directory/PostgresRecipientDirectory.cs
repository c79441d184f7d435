using System.Data.Common;
using Npgsql;

namespace SmimePipeline.CertificateDirectory;

/// <summary>The recipient directory in PostgreSQL, shared by every signer worker of a deployment.</summary>
public sealed class PostgresRecipientDirectory : SqlRecipientDirectory
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Connects and creates the tables when they do not exist.</summary>
    /// <param name="connectionString">An Npgsql connection string (its password is never logged).</param>
    /// <param name="tablePrefix">Prefix of the table names; default <c>smime_</c>.</param>
    /// <param name="timeProvider">The clock; default system.</param>
    public PostgresRecipientDirectory(string connectionString, string tablePrefix = "smime_", TimeProvider? timeProvider = null)
        : base(tablePrefix, timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _dataSource = NpgsqlDataSource.Create(connectionString);
        EnsureSchema();
    }

    /// <inheritdoc />
    protected override string BinaryType => "BYTEA";

    /// <inheritdoc />
    /// <remarks>
    /// Concurrent <c>CREATE TABLE IF NOT EXISTS</c> from workers starting together can fail on PostgreSQL's
    /// catalog unique index; a transaction-scoped advisory lock makes the first creator win and the rest wait.
    /// </remarks>
    protected override string? SchemaLockStatement => "SELECT pg_advisory_xact_lock(727041201)";

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dataSource.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override DbConnection Open() => _dataSource.OpenConnection();
}
