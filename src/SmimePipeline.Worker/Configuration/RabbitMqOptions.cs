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

    /// <summary>
    /// How long the sender's own sends to the broker (a mail to a retry rung or to <c>smime-deliver-dead</c>) may take, the
    /// broker's confirm and MassTransit's reconnects included. Default 30 s. MassTransit 8.5 retries a send whose channel
    /// the broker closed (<c>ACCESS_REFUSED</c>: write permission withheld) up to 1,000 times, 3–30 s apart, unless the
    /// send's own cancellation ends it: after this time the send counts as failed and the delivery try ends (README "Every
    /// failure is seen": with the rung's write permission withheld the mail then comes back to <c>smime-deliver</c>).
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
