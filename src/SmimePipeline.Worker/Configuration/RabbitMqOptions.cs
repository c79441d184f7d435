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
    /// How long one of the worker's own sends to the broker from a consumer may take, the broker's confirm and MassTransit's
    /// reconnects included: a mail to a retry rung or to <c>smime-deliver-dead</c>, the signer's <c>DeliverEmail</c>, and the
    /// events (<c>EmailProtected</c>, <c>EmailDelivered</c>, <c>EmailDeliveryFailed</c>). Default 30 s. MassTransit 8.5 retries a
    /// send whose channel the broker closed (<c>ACCESS_REFUSED</c>: write permission withheld) up to 1,000 times, 3–30 s apart,
    /// unless the send's own cancellation ends it: after this time the send counts as refused
    /// (<c>BrokerSendRefusedException</c>, reason code <c>broker-refused</c>) and the try ends (README "Every failure is seen").
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many times the broker may deliver one message of a work queue (<c>smime-protect</c>, <c>smime-protect-large</c>,
    /// <c>smime-deliver</c>, <c>smime-harvest</c>) before the worker stops trying it: at the delivery whose quorum-queue
    /// <c>x-delivery-count</c> (the returns before it: 0 on the first delivery) reaches this number, the message is reported
    /// (<c>delivery-limit</c>) and moved to the queue's <c>_error</c> queue without running its consumer, so no ESP is called
    /// and nothing is protected again. Default 10; 0 turns it off. A message comes back this often only when its tries end
    /// neither acknowledged nor routed: the broker refusing the worker's sends, or a worker that dies on it. The retry
    /// ladder's rungs put a mail back as a new message (count 0). Keep it below the broker's own <c>delivery-limit</c> policy
    /// (<c>deploy/rabbitmq/definitions.json</c>: 20), the last resort when even the <c>_error</c> queue refuses the mail.
    /// Classic queues carry no count: there this does nothing, and the worker says so at start, one warning per work queue
    /// (line 1020). At <c>smime-deliver</c> a mail the delivery ledger records as accepted is reported as delivered with its
    /// event missing (<c>delivered-event-refused</c>), not as failed.
    /// </summary>
    public int DeliveryLimit { get; set; } = 10;
}
