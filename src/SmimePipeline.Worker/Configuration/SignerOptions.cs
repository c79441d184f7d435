namespace SmimePipeline.Worker.Configuration;

/// <summary>Settings of the signer role.</summary>
public sealed class SignerOptions
{
    /// <summary>Mails protected at once. 0 (default) means one per processor core: protect is CPU-bound.</summary>
    public int Concurrency { get; set; }

    /// <summary>The certificate store directory (signer keys, recipient certificates, trust anchors).</summary>
    public string StorePath { get; set; } = "";

    /// <summary>The effective concurrency.</summary>
    public int EffectiveConcurrency => Concurrency > 0 ? Concurrency : Environment.ProcessorCount;
}
