using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Tests.Configuration;

public sealed class SmimePipelineOptionsValidatorTests
{
    private readonly SmimePipelineOptionsValidator _validator = new();

    [Fact]
    public void Sender_only_on_the_in_memory_transport_needs_no_store()
    {
        var result = _validator.Validate(null, new SmimePipelineOptions { Roles = WorkerRoles.Sender });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Signer_without_a_store_path_names_the_setting()
    {
        var result = _validator.Validate(null, new SmimePipelineOptions { Roles = WorkerRoles.Signer });

        Assert.True(result.Failed);
        Assert.Contains("SmimePipeline:Signer:StorePath is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_with_a_missing_store_directory_names_the_directory()
    {
        var missing = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"));
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = missing } };

        var result = _validator.Validate(null, options);

        Assert.Contains(missing, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void RabbitMq_transport_requires_a_uri()
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Sender, Transport = TransportKind.RabbitMq };

        var result = _validator.Validate(null, options);

        Assert.Contains("SmimePipeline:RabbitMq:Uri is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void RabbitMq_uri_must_be_amqp()
    {
        var options = new SmimePipelineOptions
        {
            Roles = WorkerRoles.Sender,
            Transport = TransportKind.RabbitMq,
            RabbitMq = { Uri = new Uri("http://localhost:15672/") },
        };

        var result = _validator.Validate(null, options);

        Assert.Contains("amqp://", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(1001, false)]
    [InlineData(0, true)] // off
    [InlineData(10, true)] // the default
    public void RabbitMq_delivery_limit_is_off_or_between_1_and_1000(int limit, bool valid)
    {
        var options = new SmimePipelineOptions
        {
            Roles = WorkerRoles.Sender,
            Transport = TransportKind.RabbitMq,
            RabbitMq = { Uri = new Uri("amqp://localhost/"), DeliveryLimit = limit },
        };

        var result = _validator.Validate(null, options);

        Assert.True(valid == result.Succeeded, result.FailureMessage);
        if (!valid)
        {
            Assert.Contains($"SmimePipeline:RabbitMq:DeliveryLimit must be 0 (off) or 1-1000 (was {limit})", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_role_is_refused()
    {
        var result = _validator.Validate(null, new SmimePipelineOptions { Roles = WorkerRoles.None });

        Assert.Contains("SmimePipeline:Roles", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Sender_large_mail_places_cannot_be_negative()
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Sender, Sender = { LargeMailPlaces = -1 } };

        var result = _validator.Validate(null, options);

        Assert.Contains("SmimePipeline:Sender:LargeMailPlaces", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Sender_concurrency_must_be_positive(int concurrency)
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Sender, Sender = { Concurrency = concurrency } };

        var result = _validator.Validate(null, options);

        Assert.Contains("SmimePipeline:Sender:Concurrency", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_in_flight_must_not_be_negative()
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { InFlight = -1 } };

        var result = _validator.Validate(null, options);

        Assert.Contains("SmimePipeline:Signer:InFlight must be 0", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_protects_one_mail_per_core_and_holds_sixteen_per_core_by_default()
    {
        var signer = new SignerOptions();

        Assert.Equal(Environment.ProcessorCount, signer.EffectiveConcurrency);
        Assert.Equal(16 * Environment.ProcessorCount, signer.EffectiveInFlight);
    }

    [Theory]
    [InlineData(3, 0, 48)]
    [InlineData(2, 16, 16)]
    [InlineData(4, 2, 4)] // never fewer mails held than are protected at once
    public void Signer_in_flight_follows_its_setting_or_sixteen_per_protected_mail(int concurrency, int inFlight, int expected)
    {
        var signer = new SignerOptions { Concurrency = concurrency, InFlight = inFlight };

        Assert.Equal(expected, signer.EffectiveInFlight);
    }

    [Theory]
    [InlineData(1_000, 0, 10, "SmimePipeline:Signer:LargeMailThresholdBytes must be 0 (every mail alike) or at least 16384 (was 1000)")]
    [InlineData(0, -1, 10, "SmimePipeline:Signer:LargeMailSlots must be 0 (all slots but one) or more (was -1)")]
    [InlineData(262_144, 0, 20, "SmimePipeline:Signer:LargeMailNice must be between 0 (large mails on the consumer's thread) and 19 (was 20)")]
    [InlineData(262_144, 0, -1, "SmimePipeline:Signer:LargeMailNice must be between 0 (large mails on the consumer's thread) and 19 (was -1)")]
    public void Signer_large_mail_settings_out_of_range_are_named(int threshold, int slots, int nice, string expected)
    {
        var options = new SmimePipelineOptions
        {
            Roles = WorkerRoles.Signer,
            Signer = { StorePath = Path.GetTempPath(), LargeMailThresholdBytes = threshold, LargeMailSlots = slots, LargeMailNice = nice },
        };

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Signer_treats_every_mail_alike_by_default_and_once_turned_on_protects_large_ones_at_nice_10()
    {
        var signer = new SignerOptions();

        Assert.Equal(0, signer.LargeMailThresholdBytes);
        Assert.Equal(10, signer.LargeMailNice);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount - 1), signer.EffectiveLargeMailSlots);
        Assert.True(_validator.Validate(null, new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = Path.GetTempPath() } }).Succeeded);
    }
}
