using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.CertificateDirectory.Registration;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.Postgres;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.Worker.Tests.Configuration;

/// <summary>
/// Issue 17, session 11: the delivery ledger, the recipient-fate ledger and the certificate directory are bounded like the
/// producer claim store (<see cref="PostgresPoolBound"/>): their bounds come from the worker's one registration, derived
/// from the concurrency that bounds their statements unless set, and settings that cannot be bounded stop the worker at
/// start naming the setting, never the password. No server is needed: nothing connects before the first statement
/// (the directory's constructor does, so it is checked through its options).
/// </summary>
public sealed class PostgresPoolBoundsTests
{
    private const string Password = "pw-Secret-4471";
    private const string Connection = "Host=db.example;Port=5433;Database=smime;Username=smime;Password=" + Password;

    [Fact]
    public async Task The_ledgers_bounds_follow_the_roles_and_the_sender_s_concurrency_unless_set()
    {
        await using (var sender = Build("Sender", ("SmimePipeline:Sender:Concurrency", "6")))
        {
            Assert.Equal(6, Assert.IsType<PostgresDeliveryLedger>(sender.GetRequiredService<IDeliveryLedger>()).MaxConnections);
        }

        await using (var both = Build("Sender,Webhooks", ("SmimePipeline:Sender:Concurrency", "6")))
        {
            Assert.Equal(6 + PostgresPoolDefaults.WebhooksLedgerConnections, Assert.IsType<PostgresDeliveryLedger>(both.GetRequiredService<IDeliveryLedger>()).MaxConnections);
            Assert.Equal(PostgresRecipientFateLedger.DefaultMaxConnections, Assert.IsType<PostgresRecipientFateLedger>(both.GetRequiredService<IRecipientFateLedger>()).MaxConnections);
        }

        await using (var webhooks = Build("Webhooks"))
        {
            Assert.Equal(PostgresPoolDefaults.WebhooksLedgerConnections, Assert.IsType<PostgresDeliveryLedger>(webhooks.GetRequiredService<IDeliveryLedger>()).MaxConnections);
        }

        await using var set = Build(
            "Sender,Webhooks",
            ("SmimePipeline:Delivery:Ledger:MaxConnections", "3"),
            ("SmimePipeline:Delivery:Ledger:FateMaxConnections", "2"),
            ("SmimePipeline:Delivery:Ledger:PostgresConnectionString", Connection + ";Maximum Pool Size=1"));
        Assert.Equal(1, Assert.IsType<PostgresDeliveryLedger>(set.GetRequiredService<IDeliveryLedger>()).MaxConnections);
        Assert.Equal(1, Assert.IsType<PostgresRecipientFateLedger>(set.GetRequiredService<IRecipientFateLedger>()).MaxConnections);
    }

    [Fact]
    public async Task The_directory_s_bound_follows_the_signer_s_protect_slots_and_harvests_unless_set()
    {
        await using (var signer = Build("Signer", ("SmimePipeline:Signer:Concurrency", "3")))
        {
            Assert.Equal(3 + 2, signer.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value.PostgresMaxConnections);
        }

        await using var set = Build("Signer", ("SmimePipeline:Directory:MaxConnections", "7"));
        Assert.Equal(7, set.GetRequiredService<IOptions<SmimeCertificatesOptions>>().Value.PostgresMaxConnections);
    }

    [Theory]
    [InlineData("Sender", "SmimePipeline:Delivery:Ledger:PostgresConnectionString", ";Pooling=false", "turns pooling off (Pooling=false): the delivery ledger's bound on connections (SmimePipeline:Delivery:Ledger:MaxConnections)")]
    [InlineData("Sender", "SmimePipeline:Delivery:Ledger:PostgresConnectionString", ";Minimum Pool Size=11", "Minimum Pool Size 11, above the delivery ledger's bound of 10")]
    [InlineData("Webhooks", "SmimePipeline:Delivery:Ledger:PostgresConnectionString", ";Minimum Pool Size=5;Maximum Pool Size=20", "Minimum Pool Size 5, above the recipient-fate ledger's bound of 4")]
    [InlineData("Sender", "SmimePipeline:Delivery:Ledger:PostgresConnectionString", ";Bogus Key=1", "is not a valid Npgsql connection string")]
    [InlineData("Sender", "SmimePipeline:Delivery:Ledger:MaxConnections", "1001", "SmimePipeline:Delivery:Ledger:MaxConnections must be between 1 and 1000 (was 1001)")]
    [InlineData("Sender", "SmimePipeline:Delivery:Ledger:MaxConnections", "-1", "SmimePipeline:Delivery:Ledger:MaxConnections must be 0 (derived)")]
    [InlineData("Webhooks", "SmimePipeline:Delivery:Ledger:FateMaxConnections", "0", "SmimePipeline:Delivery:Ledger:FateMaxConnections must be between 1 and 1000 (was 0)")]
    public async Task Ledger_settings_that_cannot_be_bounded_stop_the_worker_naming_the_setting_not_the_password(string roles, string key, string value, string expected)
    {
        string setting = key.EndsWith("ConnectionString", StringComparison.Ordinal) ? Connection + value : value;
        await using var provider = Build(roles, (key, setting));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DeliveryLedgerOptions>>().Value);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("SmimePipeline:Delivery:Ledger:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SmimePipeline:Directory:Postgres", ";Pooling=false", "SmimePipeline:Directory:Postgres turns pooling off (Pooling=false): the recipient directory's bound on connections (SmimePipeline:Directory:MaxConnections)")]
    [InlineData("SmimePipeline:Directory:Postgres", ";Minimum Pool Size=10", "SmimePipeline:Directory:Postgres asks for Minimum Pool Size 10, above the recipient directory's bound of 4")]
    [InlineData("SmimePipeline:Directory:MaxConnections", "-2", "SmimePipeline:Directory:MaxConnections must be 0 (derived from SmimePipeline:Signer:Concurrency)")]
    [InlineData("SmimePipeline:Directory:MaxConnections", "5000", "SmimePipeline:Directory:MaxConnections must be between 1 and 1000 (was 5000)")]
    public async Task Directory_settings_that_cannot_be_bounded_stop_the_signer_naming_the_setting_not_the_password(string key, string value, string expected)
    {
        string setting = key.EndsWith("Postgres", StringComparison.Ordinal) ? Connection + value : value;
        await using var provider = Build("Signer", ("SmimePipeline:Signer:Concurrency", "2"), (key, setting));

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SmimePipelineOptions>>().Value);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_certificate_registration_the_CLI_uses_refuses_the_same_settings()
    {
        var validator = new SmimeCertificatesOptionsValidator();
        var unpooled = validator.Validate(null, new SmimeCertificatesOptions { Provider = RecipientDirectoryProvider.Postgres, Postgres = Connection + ";Pooling=false" });
        Assert.Contains(unpooled.Failures!, f => f.StartsWith("Postgres turns pooling off", StringComparison.Ordinal) && !f.Contains(Password, StringComparison.Ordinal));
        var negative = validator.Validate(null, new SmimeCertificatesOptions { Provider = RecipientDirectoryProvider.Postgres, Postgres = Connection, PostgresMaxConnections = -1 });
        Assert.Contains(negative.Failures!, f => f.StartsWith("PostgresMaxConnections must be 0", StringComparison.Ordinal));
        Assert.True(validator.Validate(null, new SmimeCertificatesOptions { Provider = RecipientDirectoryProvider.Postgres, Postgres = Connection }).Succeeded);
    }

    [Fact]
    public async Task Each_store_refuses_an_unbounded_pool_in_its_constructor_too()
    {
        var ledger = Assert.Throws<ArgumentException>(() => new PostgresDeliveryLedger(Connection + ";Pooling=false"));
        var fates = Assert.Throws<ArgumentException>(() => new PostgresRecipientFateLedger(Connection, maxConnections: 0));
        var directory = Assert.Throws<ArgumentException>(() => new PostgresRecipientDirectory(Connection + ";Minimum Pool Size=9"));
        Assert.Contains("the delivery ledger's", ledger.Message, StringComparison.Ordinal);
        Assert.Contains("must be between 1 and 1000", fates.Message, StringComparison.Ordinal);
        Assert.Contains("above the recipient directory's bound of 4", directory.Message, StringComparison.Ordinal);
        Assert.All(new[] { ledger, fates, directory }, e => Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal));

        await using var bounded = new PostgresDeliveryLedger(Connection);
        Assert.Equal(PostgresDeliveryLedger.DefaultMaxConnections, bounded.MaxConnections);
    }

    private static ServiceProvider Build(string roles, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = roles,
            ["SmimePipeline:Signer:StorePath"] = Path.GetTempPath(),
            ["SmimePipeline:Directory:Provider"] = "Postgres",
            ["SmimePipeline:Directory:Postgres"] = Connection,
            ["SmimePipeline:Delivery:Ledger:Provider"] = "postgres",
            ["SmimePipeline:Delivery:Ledger:PostgresConnectionString"] = Connection,
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSmimePipelineWorker(configuration);
        return services.BuildServiceProvider();
    }
}
