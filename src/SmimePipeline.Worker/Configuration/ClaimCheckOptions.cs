namespace SmimePipeline.Worker.Configuration;

/// <summary>
/// The claim check between the signer and sender roles (section <c>SmimePipeline:ClaimCheck</c>):
/// protected mail larger than <see cref="ThresholdBytes"/> is stored as a claim file and only its id
/// (<c>urn:smime-claim:&lt;32 hex digits&gt;</c>) travels on the <c>smime-deliver</c> queue.
/// </summary>
public sealed class ClaimCheckOptions
{
    /// <summary>Protected mail above this size goes through the claim check. Default 256 KB.</summary>
    public int ThresholdBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// The claim directory used with RabbitMQ; signers and senders on different machines must share it (a shared
    /// volume in Kubernetes: the chart, the compose file and the images set <c>/var/lib/smime/claims</c>). Files are
    /// 0600; a directory this worker creates is 0700; a directory others may write to (o+w) stops the worker at start.
    /// Default when unset: <c>smimepipeline-claims</c> in the temporary directory, which only suits one machine running
    /// both roles (a laptop). Unused with the in-memory transport, which keeps claims in memory.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// How long a claim may stay before the sweeper deletes it. Claims of delivered mail are deleted at once; a claim
    /// of mail the ESP refused or that ran out of retries stays this long so that <c>smime dlq requeue</c> can still
    /// deliver it. Must be longer than the whole retry ladder (<c>Sender:RetrySchedule</c>). Default 7 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the sweeper looks for claims older than <see cref="Retention"/>. Default 1 hour.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
