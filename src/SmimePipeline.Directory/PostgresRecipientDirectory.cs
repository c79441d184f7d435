using System.Data.Common;
using Npgsql;
using SmimePipeline.Postgres;

namespace SmimePipeline.CertificateDirectory;

/// <summary>
/// The recipient directory in PostgreSQL, shared by every signer worker of a deployment. It holds at most
/// <see cref="MaxConnections"/> connections (<see cref="PostgresPoolBound"/>), one per look-up or write in flight.
/// </summary>
public sealed class PostgresRecipientDirectory : SqlRecipientDirectory
{
    /// <summary>
    /// The bound when none is given: 4, for the <c>smime certs</c> commands (one statement at a time) and tests. The
    /// signer worker derives its own from its concurrency (<see cref="Registration.SmimeCertificatesOptions.PostgresMaxConnections"/>).
    /// </summary>
    public const int DefaultMaxConnections = 4;

    /// <summary>How the directory is named in the messages of <see cref="PostgresPoolBound"/>.</summary>
    public const string StoreName = "the recipient directory";

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>
    /// Connects and creates the tables when they do not exist; when the server is unavailable (transient), the first
    /// statement creates them instead.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string (its password is never logged).</param>
    /// <param name="tablePrefix">Prefix of the table names; default <c>smime_</c>.</param>
    /// <param name="timeProvider">The clock; default system.</param>
    /// <param name="maxConnections">
    /// The most connections the directory holds at once (or the connection string's <c>Maximum Pool Size</c> when lower).
    /// </param>
    /// <exception cref="DirectoryUnavailableException">The server refused the login or the tables (not transient).</exception>
    /// <exception cref="ArgumentException">
    /// The connection string is empty or not valid Npgsql syntax, turns pooling off, or asks for a minimum pool above the
    /// bound; or <paramref name="maxConnections"/> is outside 1–<see cref="PostgresPoolBound.MostConnections"/>.
    /// </exception>
    public PostgresRecipientDirectory(string connectionString, string tablePrefix = "smime_", TimeProvider? timeProvider = null, int maxConnections = DefaultMaxConnections)
        : base(tablePrefix, timeProvider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        MaxConnections = PostgresPoolBound.Apply(builder.ConnectionStringBuilder, connectionString, maxConnections, StoreName);
        var where = builder.ConnectionStringBuilder;
        DirectoryName = $"PostgreSQL recipient directory {where.Host}:{where.Port}/{where.Database}";
        _dataSource = builder.Build();
        try
        {
            EnsureSchema();
        }
        catch (DirectoryUnavailableException e) when (e.IsTransient)
        {
            // The server is down or full right now: the first statement creates the tables (SqlRecipientDirectory) and
            // meets the outage again, where a signer waits for it. Failing here would fail the signer's consumer instead.
            _ = e;
        }
    }

    /// <summary>The most connections this directory holds at once (its pool's <c>Maximum Pool Size</c>).</summary>
    public int MaxConnections { get; }

    /// <inheritdoc />
    protected override string BinaryType => "BYTEA";

    /// <inheritdoc />
    protected override string DirectoryName { get; }

    /// <inheritdoc />
    /// <remarks>The producer claim store's rule (<see cref="PostgresFailureKind"/>): the server refused, went away or did not answer.</remarks>
    protected override bool IsTransient(DbException exception) => exception is NpgsqlException npgsql ? PostgresFailureKind.IsTransient(npgsql) : base.IsTransient(exception);

    /// <inheritdoc />
    /// <remarks>
    /// PostgreSQL's answer as SQLSTATE and message text ("relation … does not exist", "password authentication failed for
    /// user …"): it never carries a parameter's value or the password.
    /// </remarks>
    protected override string Cause(DbException exception) => exception is PostgresException postgres
        ? $"SQLSTATE {postgres.SqlState} {postgres.MessageText}"
        : base.Cause(exception);

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
