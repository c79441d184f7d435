namespace SmimePipeline.Cli.Bench;

/// <summary>
/// When one bench mail passed each point of the pipeline, in UTC ticks (0 = not seen). Written by the
/// <see cref="StageRecorder"/>'s span callbacks on the pipeline's threads, read once all mails are through.
/// </summary>
internal sealed class MailTimeline
{
    /// <summary>The bench called <c>ProtectAsync</c>.</summary>
    public long PublishCalled;

    /// <summary>
    /// The same moment on the pickup files' clock (<see cref="FileTimestampClock"/>): the start of what is measured to the
    /// file's time (the stage table's total, as the run's latencies). Session 18; before, the total began at
    /// <see cref="PublishCalled"/> on the fine clock and could read up to a tick or two low.
    /// </summary>
    public long PublishStamped;

    /// <summary>The broker confirmed the <c>ProtectEmail</c> (MassTransit's send span to the signers' queue ended).</summary>
    public long PublishConfirmed;

    /// <summary>The signer's MassTransit receive span started: the consumer took the mail (within its concurrency limit).</summary>
    public long SignerReceived;

    /// <summary>The signer's receive span ended: the mail was handed on and acknowledged.</summary>
    public long SignerAcknowledged;

    /// <summary>The protector started (its certificate lookup span): a protect slot was free and the MIME was composed.</summary>
    public long ProtectStarted;

    /// <summary>The <c>smime protect</c> span ended: the protected bytes are ready.</summary>
    public long ProtectDone;

    /// <summary>The broker confirmed the <c>DeliverEmail</c> (send span to <c>smime-deliver</c> ended).</summary>
    public long DeliverConfirmed;

    /// <summary>
    /// The first <c>smime deliver</c> span started: the delivery attempt began (in the sender's consume, or in the signer's
    /// own process when it made the first attempt itself, <c>Signer:DeliverInProcess</c>).
    /// </summary>
    public long DeliveryStarted;

    /// <summary>
    /// The last <c>smime deliver</c> span ended: the attempt finished, after the ESP's answer was recorded and
    /// <c>EmailDelivered</c> was confirmed by the broker (or the mail was routed to the ladder or the dead-letter queue).
    /// </summary>
    public long DeliveryEnded;

    /// <summary>The sender's receive span started.</summary>
    public long SenderReceived;

    /// <summary>The sender's receive span ended: the mail was acknowledged.</summary>
    public long SenderAcknowledged;

    /// <summary>The ESP answered (pickup: the file is written, synced and renamed), from the ledger's record-lag measurement.</summary>
    public long EspAnswered;

    /// <summary>The pickup file's modification time.</summary>
    public long FileVisible;

    /// <summary>Whether the signer made this mail's delivery attempt in its own process: a delivery began, and no
    /// <c>DeliverEmail</c> was sent or received.</summary>
    public bool DeliveredInProcess => DeliveryStarted != 0 && DeliverConfirmed == 0 && SenderReceived == 0;

    /// <summary>When the mail's delivery took a sender place: the sender's receive, or the in-process attempt's start.</summary>
    public long DeliveryEntered => DeliveredInProcess ? DeliveryStarted : SenderReceived;

    /// <summary>When the mail's delivery gave its place back: the sender's acknowledgement, or (in process) the signer's.</summary>
    public long DeliveryLeft => DeliveredInProcess ? SignerAcknowledged : SenderAcknowledged;

    /// <summary>When the protected mail left the signer's hands: the broker's confirm of <c>DeliverEmail</c>, or (in process)
    /// the delivery attempt's start.</summary>
    public long HandedOver => DeliveredInProcess ? DeliveryStarted : DeliverConfirmed;

    /// <summary>Sets <paramref name="field"/> to <paramref name="ticks"/> unless an earlier event already set it.</summary>
    public static void SetFirst(ref long field, long ticks) => Interlocked.CompareExchange(ref field, ticks, 0);

    /// <summary>Sets <paramref name="field"/> to <paramref name="ticks"/>, whatever it held (the last attempt counts).</summary>
    public static void SetLast(ref long field, long ticks) => Interlocked.Exchange(ref field, ticks);
}
