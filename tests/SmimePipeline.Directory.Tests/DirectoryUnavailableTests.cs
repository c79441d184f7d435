using Npgsql;
using SmimePipeline.Testing;

namespace SmimePipeline.CertificateDirectory.Tests;

/// <summary>
/// A directory whose database fails says so as <see cref="DirectoryUnavailableException"/>, naming where it is and never
/// the password, and tells an outage (nothing listening: transient) from a failure that needs an operator (a refused
/// password, a dropped table: not transient). Real PostgreSQL (scripts/test.sh) and a loopback port nobody listens on.
/// </summary>
public sealed class DirectoryUnavailableTests
{
    [Fact]
    public void A_PostgreSQL_that_refuses_the_connection_is_transient_and_named_without_the_password()
    {
        const string Password = "secret-password-9f2c";
        using var closed = new RefusedTcpPort();
        int port = closed.Port;

        using var directory = new PostgresRecipientDirectory($"Host=127.0.0.1;Port={port};Database=smime;Username=smime;Password={Password};Timeout=3");
        var e = Assert.Throws<DirectoryUnavailableException>(() => directory.Find("alice@" + TestPki.Domain));

        Assert.True(e.IsTransient, e.Message);
        Assert.Equal("directory-unavailable", e.ReasonCode);
        Assert.StartsWith($"PostgreSQL recipient directory 127.0.0.1:{port}/smime: could not look up a recipient's certificates: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_password_is_not_transient_and_its_SQLSTATE_is_named()
    {
        var wrong = new NpgsqlConnectionStringBuilder(TestServices.PostgresConnectionString) { Password = "not-the-password-71ab" };

        // Refused when the constructor creates the tables: a failure that needs an operator is not left for later.
        var e = Assert.Throws<DirectoryUnavailableException>(() => new PostgresRecipientDirectory(wrong.ConnectionString, "w" + Guid.NewGuid().ToString("N")[..12] + "_").Dispose());

        Assert.False(e.IsTransient, e.Message);
        Assert.Contains("SQLSTATE 28P01", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password-71ab", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_dropped_table_is_not_transient_in_PostgreSQL_or_SQLite()
    {
        string prefix = "d" + Guid.NewGuid().ToString("N")[..12] + "_";
        using var postgres = new PostgresRecipientDirectory(TestServices.PostgresConnectionString, prefix) { CacheLifetime = TimeSpan.Zero };
        Assert.Empty(postgres.List());
        using var temp = new TempDirectory();
        using var sqlite = new SqliteRecipientDirectory(Path.Combine(temp.Path, "directory.sqlite")) { CacheLifetime = TimeSpan.Zero };
        Execute(TestServices.PostgresConnectionString, $"DROP TABLE {prefix}certificates");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={sqlite.Path};Pooling=False"))
        {
            connection.Open();
            using var drop = connection.CreateCommand();
            drop.CommandText = "DROP TABLE certificates";
            drop.ExecuteNonQuery();
        }

        var fromPostgres = Assert.Throws<DirectoryUnavailableException>(() => postgres.Find("alice@" + TestPki.Domain));
        var fromSqlite = Assert.Throws<DirectoryUnavailableException>(() => sqlite.Find("alice@" + TestPki.Domain));

        Assert.False(fromPostgres.IsTransient, fromPostgres.Message);
        Assert.Contains("could not look up a recipient's certificates: SQLSTATE 42P01", fromPostgres.Message, StringComparison.Ordinal);
        Assert.False(fromSqlite.IsTransient, fromSqlite.Message);
        Assert.StartsWith($"SQLite recipient directory {sqlite.Path}: could not look up", fromSqlite.Message, StringComparison.Ordinal);
    }

    private static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
