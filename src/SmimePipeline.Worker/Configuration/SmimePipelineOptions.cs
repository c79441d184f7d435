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

    /// <summary>
    /// The largest message any role accepts, in bytes: a <c>ProtectEmail</c>/<c>ProtectMimeMessage</c>/<c>HarvestCertificate</c>
    /// body on the queue, a protected result, a <c>DeliverEmail</c>'s content or claim. Anything larger is dead-lettered
    /// with reason <c>message-too-large</c>. Default <see cref="Contracts.MessageSizeLimits.DefaultMaxMessageBytes"/>
    /// (20,000,000, SparkPost's own limit); between 64 KiB and 100,000,000. The broker's <c>max_message_size</c> must
    /// stay above 1.4 times this (base64 in JSON) so that oversize mail reaches a worker and gets its reason.
    /// </summary>
    public int MaxMessageBytes { get; set; } = Contracts.MessageSizeLimits.DefaultMaxMessageBytes;

    /// <summary>Readiness and liveness (section <c>SmimePipeline:Health</c>).</summary>
    public HealthOptions Health { get; set; } = new();

    /// <summary>How long a stopping worker waits for in-flight mail. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
