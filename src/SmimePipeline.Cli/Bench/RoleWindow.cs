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
/// acknowledgement (signer, sender).</param>
/// <param name="ConfirmWaitMilliseconds">Of that, the mean time spent waiting for the broker's publisher confirms: all of it
/// for the producer; <c>DeliverEmail</c> hand-over + the <c>EmailProtected</c> publish and its confirm for the signer; the
/// ledger's "accepted" record + the <c>EmailDelivered</c> publish and its confirm for the sender.</param>
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
}
