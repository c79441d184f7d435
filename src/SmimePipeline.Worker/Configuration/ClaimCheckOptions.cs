namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// The claim check between the signer and sender roles (section <c>SmimePipeline:ClaimCheck</c>):
/// protected mail larger than <see cref="ThresholdBytes"/> is stored in a message-data repository and
/// only its address travels on the <c>smime-deliver</c> queue.
/// </summary>
public sealed class ClaimCheckOptions
{
    /// <summary>Protected mail above this size goes through the claim check. Default 256 KB.</summary>
    public int ThresholdBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The directory of the file-system repository used with RabbitMQ; signers and senders on different
    /// machines must share it (a shared volume in Kubernetes). Default: <c>smimepipeline-claims</c> in the
    /// temporary directory, which only works when both roles run on one machine. Unused with the in-memory
    /// transport, which keeps claims in memory.
    /// </summary>
    public string? Directory { get; set; }
}
