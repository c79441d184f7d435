namespace SmimePipeline.Cli.Demo;

/// <summary>Where the demo's mail is protected and delivered.</summary>
public enum DemoWorkers
{
    /// <summary>Signer and sender run inside the demo process (the default).</summary>
    InProcess,

    /// <summary>Only publish: workers elsewhere on the same RabbitMQ (e.g. the docker-compose stack) do the work.</summary>
    External,
}
