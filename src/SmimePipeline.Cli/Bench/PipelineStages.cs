namespace SmimePipeline.Cli.Bench;

/// <summary>
/// Where the mails of one size spent their time, stage by stage, from the spans the pipeline emits
/// (<see cref="StageRecorder"/>). The stages follow each other: their sums add up to <see cref="Total"/> where every
/// point was seen. A stage may be slightly negative for a mail when two events race (the broker can deliver a message
/// to the signer before the producer has its confirm).
/// </summary>
/// <param name="Mails">Mails of this size that were followed.</param>
/// <param name="Publish">Publish call to the broker's confirm of <c>ProtectEmail</c> (the producer's send, the quorum queue's commit).</param>
/// <param name="SignerQueue">Confirm to the signer's receive: waiting in the quorum queue and in the consumer's prefetch, behind the signer's in-flight limit.</param>
/// <param name="SignerWait">Receive to the protector's start: deserialising, waiting for a protect slot, composing the MIME message.</param>
/// <param name="Protect">Certificate lookup, sign, encrypt, serialise (the slot is held).</param>
/// <param name="HandOver">Protect done to the broker's confirm of <c>DeliverEmail</c> (claim check, send, quorum commit); for a
/// mail the signer delivered in its own process (<see cref="DeliveredInProcess"/>), protect done to the attempt's start.
/// Both kinds together, as the readers of <c>handOver</c> (bench.sh, capacity_model.py) expect; apart in
/// <see cref="HandOverToConfirm"/> and <see cref="HandOverToPlace"/>.</param>
/// <param name="SenderQueue">That confirm to the sender's receive: waiting in <c>smime-deliver</c> and the sender's prefetch
/// (only the mails that went through the queue).</param>
/// <param name="Delivery">Sender's receive (in process: the attempt's start) to the ESP's answer (guard, ledger claim, pickup file written, synced, renamed); to
/// the file's time when the answer was not seen, its start then moved onto the files' clock (FileClockLag, session 18).</param>
/// <param name="Total">The publish, stamped on the files' clock (FileTimestampClock, as the run's latencies), to the pickup file's time; since session 18 (before: from the fine publish call).</param>
/// <param name="SignerAfterHandOver">Not on the mail's path but holding one of the signer's in-flight places: from the
/// <c>DeliverEmail</c> confirm to the signer's acknowledgement (the <c>EmailProtected</c> publish and its confirm); only the
/// mails that went through the queue (an in-process attempt holds the signer's place through its delivery).</param>
/// <param name="SenderAfterAnswer">Likewise for the sender's concurrency: from the ESP's answer to the acknowledgement
/// (the ledger's "accepted" record, the <c>EmailDelivered</c> publish and its confirm).</param>
/// <param name="Occupancy">Over all mails of the run (both sizes): the producer's publish window, the signer's in-flight
/// limit, the protect slots and the sender's concurrency (a place held by the queue's consume or by an in-process attempt),
/// each with the average number of mails inside.</param>
internal sealed record PipelineStages(
    int Mails,
    StageLatency Publish,
    StageLatency SignerQueue,
    StageLatency SignerWait,
    StageLatency Protect,
    StageLatency HandOver,
    StageLatency SenderQueue,
    StageLatency Delivery,
    StageLatency Total,
    StageLatency SignerAfterHandOver,
    StageLatency SenderAfterAnswer,
    IReadOnlyDictionary<string, StageOccupancy>? Occupancy = null)
{
    /// <summary>Of <see cref="Mails"/>, those whose delivery attempt the signer made in its own process
    /// (<c>Signer:DeliverInProcess</c>): no <c>DeliverEmail</c> was sent, so they have no sender queue.</summary>
    public int DeliveredInProcess { get; init; }

    /// <summary>
    /// <see cref="HandOver"/> of the mails that went through <c>smime-deliver</c> only: protect done to the broker's
    /// confirm of their <c>DeliverEmail</c> (claim check, send, quorum commit). Null without such mails (session 16).
    /// </summary>
    public StageLatency? HandOverToConfirm { get; init; }

    /// <summary>
    /// <see cref="HandOver"/> of the mails delivered in the signer's process (<see cref="DeliveredInProcess"/>) only:
    /// protect done to the attempt's start, i.e. the wait for the signer's in-process cap and then for one of the sender's
    /// delivery places; no broker round trip. Null without such mails (session 16: the label "hand-over → confirm" read as a
    /// broker wait for these).
    /// </summary>
    public StageLatency? HandOverToPlace { get; init; }

    /// <summary>What these mails held the signer's window for, part by part (session 15); null without the run's duration.</summary>
    public SignerWindowShare? SignerWindow { get; init; }

    /// <summary>
    /// After the ESP's answer, to the end of the delivery attempt: the ledger's "accepted" record, the
    /// <c>EmailDelivered</c> publish and the broker's confirm of it; every mail, delivered in the signer's process or from
    /// <c>smime-deliver</c> (session 15: <see cref="SenderAfterAnswer"/> sees only the queue's mails). Not on the mail's
    /// path, but the attempt holds its delivery place through it (session 15 measured giving the place back before it, and
    /// reverted that).
    /// </summary>
    public StageLatency? AfterAnswer { get; init; }
}
