namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Which of the delivery guarantees <c>smime bench guarantees</c> keeps. All on is what the product promises and what the
/// guarantees ceiling is measured with; switching one off is only to see what that one costs (information for the
/// README's breakdown, never a claim that the product may drop it).
/// </summary>
/// <param name="Quorum">The work queue is a quorum queue (replicated log, fsync'd by the broker); off: a durable classic queue.</param>
/// <param name="Fsync">The pickup file is flushed to disk before its rename and the directory after it (group commit, as
/// <see cref="Delivery.Pickup.PickupDirectoryTransport"/>); off: written and renamed, never flushed.</param>
/// <param name="Ledger">Each mail's hand-over is claimed in the SQLite delivery ledger and its acceptance recorded.</param>
/// <param name="Events">The two per-mail events (<c>EmailProtected</c>, <c>EmailDelivered</c>) are published, persistent and confirmed.</param>
internal sealed record GuaranteeSwitches(bool Quorum = true, bool Fsync = true, bool Ledger = true, bool Events = true)
{
    /// <summary>Every guarantee kept.</summary>
    public static readonly GuaranteeSwitches All = new();

    /// <summary>The guarantees switched off, comma-separated ("none" when every one is kept), for the report.</summary>
    public override string ToString()
    {
        var off = new List<string>(4);
        if (!Quorum)
        {
            off.Add("classic queue");
        }

        if (!Fsync)
        {
            off.Add("no fsync");
        }

        if (!Ledger)
        {
            off.Add("no ledger");
        }

        if (!Events)
        {
            off.Add("no events");
        }

        return off.Count == 0 ? "none" : string.Join(", ", off);
    }
}
