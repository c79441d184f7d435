namespace SmimePipeline.Cli.Bench;

/// <summary>What carries the mails of <c>smime bench guarantees</c> between the broker and the guarantees' own work.</summary>
internal enum GuaranteesVia
{
    /// <summary>RabbitMQ.Client directly, no product code on the bus path (session 15's guarantees ceiling).</summary>
    Raw,

    /// <summary>
    /// The product's own MassTransit 8.5 bus (issue 17, session 19): the worker's registration, the client library's
    /// publish, the signer's consumer definition on <c>smime-protect</c>, the events through <c>BoundedBrokerSend</c>.
    /// </summary>
    MassTransit,
}
