namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// The worker's settings, bound from the <c>SmimePipeline</c> configuration section
/// (appsettings.json, or environment variables such as <c>SmimePipeline__Roles=Signer</c>).
/// </summary>
public sealed class SmimePipelineOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SmimePipeline";

    /// <summary>Which roles this process runs. Default: both.</summary>
    public WorkerRoles Roles { get; set; } = WorkerRoles.All;

    /// <summary>The transport. Default: in-memory (a single process).</summary>
    public TransportKind Transport { get; set; } = TransportKind.InMemory;

    public RabbitMqOptions RabbitMq { get; set; } = new();

    public SignerOptions Signer { get; set; } = new();

    public SenderOptions Sender { get; set; } = new();

    /// <summary>The recipient directory (signer role).</summary>
    public DirectoryOptions Directory { get; set; } = new();

    /// <summary>Where large protected mail travels between signer and sender (claim check).</summary>
    public ClaimCheckOptions ClaimCheck { get; set; } = new();

    /// <summary>How long a stopping worker waits for in-flight mail. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
