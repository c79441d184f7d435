using System.Net.Sockets;
using Npgsql;
using SmimePipeline.Client;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Postgres;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The bound on the claim store's PostgreSQL connections (issue 17: 53300 in the target 2 bench) on both sides, how it
/// combines with the connection string's own <c>Maximum Pool Size</c>, the settings that cannot be bounded (each named,
/// the password never echoed), and which failures the signer waits for.
/// </summary>
public sealed class ProtectClaimStoreConnectionsTests
{
    private const string Password = "pw-Secret-7731";
    private const string Connection = "Host=db.example;Port=5433;Database=claims;Username=signer;Password=" + Password;

    [Fact]
    public void Both_sides_have_a_default_bound_far_below_PostgreSQL_s_default_of_100()
    {
        Assert.Equal(4, new SmimePipelineClientOptions().ClaimStoreMaxConnections);
        Assert.Equal(8, new ProducerClaimOptions().MaxConnections);
        Assert.Equal(TimeSpan.FromMinutes(5), new ProducerClaimOptions().UnavailableRetryPeriod);
    }

    [Theory]
    [InlineData("", 8, 8)]
    [InlineData(";Maximum Pool Size=3", 8, 3)]
    [InlineData(";Maximum Pool Size=50", 8, 8)]
    [InlineData(";MaxPoolSize=5", 8, 5)]
    [InlineData(";maximum pool size=2", 4, 2)]
    public async Task The_pool_holds_the_configured_bound_or_the_connection_string_s_lower_one(string more, int configured, int expected)
    {
        Assert.Equal(expected, PostgresPoolBound.EffectiveMaxConnections(Connection + more, configured));
        await using var store = new PostgresProtectClaimStore(Connection + more, configured);
        Assert.Equal(expected, store.MaxConnections);
        Assert.Equal("db.example:5433/claims", store.Server);
    }

    [Theory]
    [InlineData(";Pooling=false", 8, "turns pooling off")]
    [InlineData(";Minimum Pool Size=10", 8, "Minimum Pool Size 10, above the claim store's bound of 8")]
    [InlineData(";Minimum Pool Size=5;Maximum Pool Size=4", 8, "Minimum Pool Size 5, above the claim store's bound of 4")]
    [InlineData("", 0, "must be between 1 and 1000 (was 0)")]
    [InlineData("", 1001, "must be between 1 and 1000 (was 1001)")]
    [InlineData(";Bogus Key=1", 8, "is not a valid Npgsql connection string")]
    public void Settings_that_cannot_be_bounded_are_refused_at_start_on_both_sides_naming_the_setting_not_the_password(string more, int max, string expected)
    {
        var worker = new ProducerClaimOptionsValidator().Validate(null, new ProducerClaimOptions { PostgresConnectionString = Connection + more, MaxConnections = max });
        var client = new SmimePipelineClientOptionsValidator().Validate(null, new SmimePipelineClientOptions { ClaimStorePostgresConnectionString = Connection + more, ClaimStoreMaxConnections = max });

        foreach (var (result, setting) in new[] { (worker, "SmimePipeline:ProducerClaims:"), (client, "SmimePipeline:ClaimStore") })
        {
            Assert.True(result.Failed);
            var failure = Assert.Single(result.Failures!, f => f.Contains(expected, StringComparison.Ordinal));
            Assert.StartsWith(setting, failure, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, failure, StringComparison.Ordinal);
        }

        if (max is >= 1 and <= 1000 && !more.Contains("Bogus", StringComparison.Ordinal))
        {
            Assert.Throws<ArgumentException>(() => new PostgresProtectClaimStore(Connection + more, max));
        }
    }

    [Fact]
    public void The_bound_and_the_retry_period_are_checked_without_a_connection_string_too()
    {
        var worker = new ProducerClaimOptionsValidator().Validate(null, new ProducerClaimOptions { MaxConnections = 0, UnavailableRetryPeriod = TimeSpan.FromHours(1) });
        Assert.Contains(worker.Failures!, f => f.StartsWith("SmimePipeline:ProducerClaims:MaxConnections must be between 1 and 1000", StringComparison.Ordinal));
        Assert.Contains(worker.Failures!, f => f.StartsWith("SmimePipeline:ProducerClaims:UnavailableRetryPeriod must be between 1 second and 20 minutes", StringComparison.Ordinal));

        var client = new SmimePipelineClientOptionsValidator().Validate(null, new SmimePipelineClientOptions { ClaimStoreMaxConnections = -1 });
        Assert.Contains(client.Failures!, f => f.StartsWith("SmimePipeline:ClaimStoreMaxConnections must be between 1 and 1000", StringComparison.Ordinal));

        Assert.True(new ProducerClaimOptionsValidator().Validate(null, new ProducerClaimOptions { PostgresConnectionString = Connection }).Succeeded);
        Assert.True(new SmimePipelineClientOptionsValidator().Validate(null, new SmimePipelineClientOptions { ClaimStorePostgresConnectionString = Connection }).Succeeded);
    }

    [Theory]
    [InlineData(0, true)] // off: autovacuum only
    [InlineData(100, true)]
    [InlineData(2000, true)] // the default
    [InlineData(99, false)]
    [InlineData(-1, false)]
    public void The_vacuum_interval_is_off_at_zero_or_at_least_100_milliseconds(int milliseconds, bool valid)
    {
        var result = new ProducerClaimOptionsValidator().Validate(null, new ProducerClaimOptions { VacuumInterval = TimeSpan.FromMilliseconds(milliseconds) });
        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.StartsWith("SmimePipeline:ProducerClaims:VacuumInterval must be 0 (off) or at least 100 ms", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("53300", true)] // too many connections / remaining slots reserved
    [InlineData("53200", true)] // out of memory
    [InlineData("57P03", true)] // cannot connect now (starting up, recovery)
    [InlineData("57P01", true)] // the server is shutting down
    [InlineData("08006", true)] // connection failure
    [InlineData("42501", false)] // permission denied: an operator must grant
    [InlineData("42P01", false)] // the table does not exist
    [InlineData("23505", false)]
    public void Refused_connections_and_a_server_going_away_are_transient_missing_grants_and_tables_are_not(string sqlState, bool transient)
    {
        Assert.Equal(transient, PostgresFailureKind.IsTransient(new PostgresException("refused", "FATAL", "FATAL", sqlState)));
    }

    [Fact]
    public void No_answer_at_all_is_transient()
    {
        Assert.True(PostgresFailureKind.IsTransient(new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(PostgresFailureKind.IsTransient(new NpgsqlException("The connection pool has been exhausted", new TimeoutException())));
    }
}
