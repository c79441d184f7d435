namespace SmimePipeline.Cli.Bench;

/// <summary>
/// One role's bounded window while that role ran alone (<see cref="PipelineRoles"/>), and the rate it allows by Little's
/// law: a window of <see cref="Limit"/> places, each held <see cref="ResidenceMilliseconds"/> per mail, passes at most
/// <see cref="MaxMailsPerSecond"/> mails a second, whatever the CPU. The capacity model takes the smallest of these and
/// of the CPU bounds.
/// </summary>
/// <param name="Limit">Places in the window: the producer's publishes in flight, <c>Signer:InFlight</c>, <c>Sender:Concurrency</c>.</param>
/// <param name="Mails">Mails whose residence was seen (their spans were recorded).</param>
/// <param name="ResidenceMilliseconds">Mean time one mail held a place: publish call to confirm (producer), receive to
/// acknowledgement (signer), the delivery attempt (sender: the <c>smime deliver</c> span, inside its delivery place; since
/// session 23, before which it was the receive to the acknowledgement, see <see cref="Sender"/>).</param>
/// <param name="ConfirmWaitMilliseconds">Of that, the mean time spent waiting for the broker's publisher confirms: all of it
/// for the producer; <c>DeliverEmail</c> hand-over + the <c>EmailProtected</c> publish and its confirm for the signer; the
/// ledger's "accepted" record + the <c>EmailDelivered</c> publish and its confirm for the sender (the ESP's answer to the
/// attempt's end).</param>
/// <param name="AverageInside">Mails inside the window on average over the phase (Little's law): near <see cref="Limit"/>,
/// the window was full.</param>
/// <param name="MaxMailsPerSecond"><see cref="Limit"/> ÷ <see cref="ResidenceMilliseconds"/>: the window's bound.</param>
internal sealed record RoleWindow(
    int Limit,
    int Mails,
    double ResidenceMilliseconds,
    double ConfirmWaitMilliseconds,
    double AverageInside,
    double MaxMailsPerSecond)
{
    /// <summary>The producer's publishes in flight: each held from the publish call to the broker's confirm.</summary>
    public static RoleWindow? Producer(IReadOnlyCollection<MailTimeline> mails, int limit, double seconds) =>
        Of(mails, limit, seconds, m => m.PublishCalled, m => m.PublishConfirmed, m => Milliseconds(m.PublishCalled, m.PublishConfirmed));

    /// <summary>The signer's window (<c>Signer:InFlight</c>, the <c>smime-protect</c> consumer's concurrent messages): each
    /// held from the receive to the acknowledgement.</summary>
    public static RoleWindow? Signer(IReadOnlyCollection<MailTimeline> mails, int limit, double seconds) =>
        Of(mails, limit, seconds, m => m.SignerReceived, m => m.SignerAcknowledged, m => Milliseconds(m.ProtectDone, m.SignerAcknowledged));

    /// <summary>
    /// The sender's delivery places (<c>Sender:Concurrency</c>, <c>DeliverySlots</c>): each held for the delivery attempt, the
    /// <c>smime deliver</c> span (ledger claim, the ESP, the accepted record, the <c>EmailDelivered</c> confirm). Not the
    /// consumer's receive to acknowledgement: the <c>smime-deliver</c> consumer takes twice as many mails as there are places
    /// (its prefetch, <c>DeliverEmailConsumerDefinition.PrefetchPerConcurrentMessage</c>) and they wait inside it for a
    /// place, so that interval held 15.1 mails in 10 places on average in session 22 and its bound, 248 msg/s, lay below
    /// the 374 msg/s the sender had just passed alone. The place is taken just before the span starts and given back just
    /// after it ends (a claim check's read and release around it for large mails), so this bound can err only high.
    /// </summary>
    public static RoleWindow? Sender(IReadOnlyCollection<MailTimeline> mails, int limit, double seconds) =>
        Of(mails, limit, seconds, m => m.DeliveryStarted, m => m.DeliveryEnded, m => Milliseconds(m.EspAnswered, m.DeliveryEnded));

    /// <summary>The window of <paramref name="limit"/> places from the residence times of the mails seen in a phase of <paramref name="seconds"/>.</summary>
    /// <param name="limit">Places in the window.</param>
    /// <param name="residenceMilliseconds">Each seen mail's time in a place.</param>
    /// <param name="confirmWaitMilliseconds">Each seen mail's confirm waits within that time.</param>
    /// <param name="seconds">The phase's duration.</param>
    /// <returns>Null when no mail was seen (tracing did not reach the role).</returns>
    public static RoleWindow? Of(int limit, IReadOnlyCollection<double> residenceMilliseconds, IReadOnlyCollection<double> confirmWaitMilliseconds, double seconds)
    {
        ArgumentNullException.ThrowIfNull(residenceMilliseconds);
        ArgumentNullException.ThrowIfNull(confirmWaitMilliseconds);
        if (residenceMilliseconds.Count == 0 || limit < 1)
        {
            return null;
        }

        double residence = residenceMilliseconds.Average();
        return new RoleWindow(
            limit,
            residenceMilliseconds.Count,
            Math.Round(residence, 2),
            Math.Round(confirmWaitMilliseconds.Count == 0 ? 0 : confirmWaitMilliseconds.Average(), 2),
            seconds > 0 ? Math.Round(residenceMilliseconds.Sum() / 1000 / seconds, 2) : 0,
            Math.Round(limit * 1000 / Math.Max(residence, 0.001), 1));
    }

    /// <summary>The window from the mails whose place in it (<paramref name="from"/> → <paramref name="to"/>) was seen.</summary>
    internal static RoleWindow? Of(
        IReadOnlyCollection<MailTimeline> mails, int limit, double seconds, Func<MailTimeline, long> from, Func<MailTimeline, long> to, Func<MailTimeline, double?> confirmWait)
    {
        ArgumentNullException.ThrowIfNull(mails);
        var residence = new List<double>(mails.Count);
        var waits = new List<double>(mails.Count);
        foreach (var mail in mails)
        {
            if (Milliseconds(from(mail), to(mail)) is { } held)
            {
                residence.Add(held);
                if (confirmWait(mail) is { } wait)
                {
                    waits.Add(wait);
                }
            }
        }

        return Of(limit, residence, waits, seconds);
    }

    /// <summary>Milliseconds from <paramref name="from"/> to <paramref name="to"/> (UTC ticks), or null when either was not seen.</summary>
    private static double? Milliseconds(long from, long to) => from != 0 && to != 0 ? (to - from) / (double)TimeSpan.TicksPerMillisecond : null;
}
