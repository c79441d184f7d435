namespace SmimePipeline.Cli.Bench;

/// <summary>
/// What the mails of one size held the signer's window (<c>Signer:InFlight</c>, the <c>smime-protect</c> consumer's
/// concurrent messages) for, on average over the measured run (the sum of the mails' times in each part ÷ the run's
/// duration, Little's law; issue 17, session 15). The parts follow each other from the signer's receive to its
/// acknowledgement, so they add up to <see cref="Total"/>: a window full of mails that wait for a delivery place is
/// told apart from one full of mails being protected.
/// </summary>
/// <param name="WaitingToProtect">Receive to the protector's start: a producer claim's read, deserialising, waiting for a
/// protect slot, composing.</param>
/// <param name="Protecting">The protector's start to its end (a slot held).</param>
/// <param name="WaitingForDelivery">Protected, waiting for the delivery: for a mail delivered in the signer's process, for
/// the in-process cap and a delivery place (to the attempt's start); for one handed to <c>smime-deliver</c>, the claim
/// check and the send until the broker's confirm.</param>
/// <param name="Delivering">In the signer's process: the attempt's start to the ESP's answer (ledger claim, pickup file);
/// 0 for mails handed to <c>smime-deliver</c>.</param>
/// <param name="AfterDelivery">The ESP's answer (or the hand-over's confirm) to the acknowledgement: the ledger's accepted
/// record, the events' publishes and their confirms, a producer claim marked consumed.</param>
/// <param name="Total">Receive to acknowledgement.</param>
internal sealed record SignerWindowShare(
    double WaitingToProtect, double Protecting, double WaitingForDelivery, double Delivering, double AfterDelivery, double Total)
{
    /// <summary>The parts of <paramref name="mails"/> over a run of <paramref name="seconds"/>.</summary>
    public static SignerWindowShare Of(IEnumerable<MailTimeline> mails, double seconds)
    {
        ArgumentNullException.ThrowIfNull(mails);
        long waiting = 0, protecting = 0, waitingForDelivery = 0, delivering = 0, after = 0, total = 0;
        foreach (var mail in mails)
        {
            if (mail.SignerReceived == 0 || mail.SignerAcknowledged <= mail.SignerReceived)
            {
                continue;
            }

            total += mail.SignerAcknowledged - mail.SignerReceived;
            waiting += Span(mail.SignerReceived, mail.ProtectStarted);
            protecting += Span(mail.ProtectStarted, mail.ProtectDone);
            if (mail.DeliveredInProcess)
            {
                waitingForDelivery += Span(mail.ProtectDone, mail.DeliveryStarted);
                delivering += Span(mail.DeliveryStarted, mail.EspAnswered);
                after += Span(mail.EspAnswered, mail.SignerAcknowledged);
            }
            else
            {
                waitingForDelivery += Span(mail.ProtectDone, mail.DeliverConfirmed);
                after += Span(mail.DeliverConfirmed, mail.SignerAcknowledged);
            }
        }

        double Average(long ticks) => seconds <= 0 ? 0 : Math.Round(ticks / (double)TimeSpan.TicksPerSecond / seconds, 2);
        return new SignerWindowShare(Average(waiting), Average(protecting), Average(waitingForDelivery), Average(delivering), Average(after), Average(total));
    }

    private static long Span(long from, long to) => from != 0 && to > from ? to - from : 0;
}
