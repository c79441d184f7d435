namespace SmimePipeline.Contracts;

/// <summary>The queue names that producers and workers agree on.</summary>
public static class QueueNames
{
    /// <summary>Where producers send <see cref="ProtectEmail"/> and <see cref="ProtectMimeMessage"/>.</summary>
    public const string Protect = "smime-protect";

    /// <summary>Where signers send <see cref="DeliverEmail"/>.</summary>
    public const string Deliver = "smime-deliver";

    /// <summary>Where automated intake sends <see cref="HarvestCertificate"/>.</summary>
    public const string Harvest = "smime-harvest";
}
