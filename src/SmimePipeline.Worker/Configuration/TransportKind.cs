namespace SmimePipeline.Worker.Configuration;

/// <summary>The message transport a worker uses.</summary>
public enum TransportKind
{
    /// <summary>MassTransit's in-memory transport: one process, nothing survives a restart. For demos and tests.</summary>
    InMemory,

    /// <summary>RabbitMQ with durable quorum queues: the production transport.</summary>
    RabbitMq,
}
