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

    [Fact]
    public void No_role_is_refused()
    {
        var result = _validator.Validate(null, new SmimePipelineOptions { Roles = WorkerRoles.None });

        Assert.Contains("SmimePipeline:Roles", result.FailureMessage, StringComparison.Ordinal);
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
}
