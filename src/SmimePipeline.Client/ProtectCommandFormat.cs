namespace SmimePipeline.Client;

/// <summary>The wire format of the commands the client sends to the signers (<see cref="SmimePipelineClientOptions.MessageFormat"/>).</summary>
public enum ProtectCommandFormat
{
    /// <summary>
    /// <c>application/vnd.smimepipeline.protect-email; v=1</c> and <c>application/vnd.smimepipeline.protect-mime-message; v=1</c>:
    /// the mail's bytes raw in the body, its other fields in a small manifest or headers. Read by workers of this version on.
    /// </summary>
    Binary,

    /// <summary>MassTransit's JSON envelope, payloads in base64 (≈1.33× their size); read by every worker version.</summary>
    Json,
}
