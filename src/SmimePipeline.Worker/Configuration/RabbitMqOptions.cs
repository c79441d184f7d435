namespace SmimePipeline.Worker.Configuration;

/// <summary>How to reach RabbitMQ.</summary>
public sealed class RabbitMqOptions
{
    /// <summary>The broker, e.g. <c>amqp://smime@rabbitmq:5672/</c>. A password in the URI is allowed for local use.</summary>
    public Uri? Uri { get; set; }

    /// <summary>A file holding the password (a mounted Kubernetes Secret); overrides a password in <see cref="Uri"/>.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>
    /// The management API (e.g. <c>http://rabbitmq:15672/</c>), used only to report the depth of the
    /// pipeline's queues as a metric. Optional; the credentials are those of <see cref="Uri"/>.
    /// </summary>
    public Uri? ManagementUri { get; set; }

    /// <summary>Declare work queues as quorum queues (replicated, durable). Default <see langword="true"/>.</summary>
    public bool QuorumQueues { get; set; } = true;
}
