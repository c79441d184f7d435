namespace SmimePipeline.Contracts;

/// <summary>Where in the pipeline a mail failed.</summary>
public enum FailureStage
{
    /// <summary>Signing or encryption was refused (no key, no certificate, policy).</summary>
    Protect,

    /// <summary>The ESP refused the mail or the retries ran out.</summary>
    Deliver,
}
