namespace SmimePipeline.Cli.Bench;

/// <summary>The two events each <c>smime bench guarantees</c> mail publishes, in the order it publishes them.</summary>
internal enum GuaranteesEvent
{
    /// <summary><c>EmailProtected</c>, after the "protection".</summary>
    Protected,

    /// <summary><c>EmailDelivered</c>, after the acceptance is in the ledger.</summary>
    Delivered,
}
