namespace SmimePipeline.Contracts;

/// <summary>The queue names that producers and workers agree on.</summary>
public static class QueueNames
{
    /// <summary>Where producers send <see cref="ProtectEmail"/> and <see cref="ProtectMimeMessage"/>.</summary>
    public const string Protect = "smime-protect";

    /// <summary>
    /// The signers' second queue, for mail whose protected form is estimated above the client's large-mail threshold
    /// (256 KB by default): in a lane of their own, large bodies never sit in front of small mails in
    /// <see cref="Protect"/>. The same commands as <see cref="Protect"/>; a quorum queue like it.
    /// </summary>
    public const string ProtectLarge = "smime-protect-large";

    /// <summary>Where signers send <see cref="DeliverEmail"/>.</summary>
    public const string Deliver = "smime-deliver";

    /// <summary>Where automated intake sends <see cref="HarvestCertificate"/>.</summary>
    public const string Harvest = "smime-harvest";
}
