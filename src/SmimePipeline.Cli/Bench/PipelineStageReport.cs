namespace SmimePipeline.Cli.Bench;

/// <summary>Turns the recorded <see cref="MailTimeline"/>s into <see cref="PipelineStages"/>.</summary>
internal static class PipelineStageReport
{
    /// <summary>The limits of the bounded places, for <see cref="Occupancy"/>.</summary>
    /// <param name="ProducerWindow">Publishes the bench keeps in flight.</param>
    /// <param name="SignerInFlight">The signer's concurrent message limit (<c>Signer:InFlight</c>).</param>
    /// <param name="ProtectSlots">Mails protected at once (<c>Signer:Concurrency</c>).</param>
    /// <param name="SenderConcurrency">The sender's concurrent message limit (<c>Sender:Concurrency</c>).</param>
    public sealed record Limits(int ProducerWindow, int SignerInFlight, int ProtectSlots, int SenderConcurrency);

    /// <summary>
    /// The stages of <paramref name="mails"/>; occupancy only when <paramref name="limits"/> is given. What ends at a pickup
    /// file's time starts on the file's clock: the total at <see cref="MailTimeline.PublishStamped"/>, a delivery whose ESP
    /// answer was not seen at its start moved by <paramref name="fileClock"/> (session 18).
    /// </summary>
    public static PipelineStages Of(
        IReadOnlyCollection<MailTimeline> mails, Limits? limits = null, IReadOnlyCollection<MailTimeline>? allMails = null, double seconds = 0, FileClockLag? fileClock = null)
    {
        ArgumentNullException.ThrowIfNull(mails);
        return new PipelineStages(
            mails.Count,
            Between(mails, m => m.PublishCalled, m => m.PublishConfirmed),
            Between(mails, m => m.PublishConfirmed, m => m.SignerReceived),
            Between(mails, m => m.SignerReceived, m => m.ProtectStarted),
            Between(mails, m => m.ProtectStarted, m => m.ProtectDone),
            Between(mails, m => m.ProtectDone, m => m.HandedOver),
            Between(mails, m => m.DeliverConfirmed, m => m.SenderReceived),
            Between(mails, m => m.EspAnswered != 0 ? m.DeliveryEntered : fileClock?.ToFileClock(m.DeliveryEntered) ?? m.DeliveryEntered, m => m.EspAnswered != 0 ? m.EspAnswered : m.FileVisible),
            Between(mails, m => m.PublishStamped, m => m.FileVisible),
            Between(mails, m => m.DeliverConfirmed, m => m.SignerAcknowledged),
            Between(mails, m => m.EspAnswered, m => m.SenderAcknowledged),
            limits is null || allMails is null || seconds <= 0 ? null : Occupancy(allMails, limits, seconds))
        {
            DeliveredInProcess = mails.Count(m => m.DeliveredInProcess),
            SignerWindow = seconds > 0 ? SignerWindowShare.Of(mails, seconds) : null,
            AfterAnswer = Between(mails, m => m.EspAnswered, m => m.DeliveryEnded),
            HandOverToConfirm = HandOverOf(mails.Where(m => !m.DeliveredInProcess)),
            HandOverToPlace = HandOverOf(mails.Where(m => m.DeliveredInProcess)),
        };
    }

    private static StageLatency? HandOverOf(IEnumerable<MailTimeline> mails)
    {
        var stage = Between(mails, m => m.ProtectDone, m => m.HandedOver);
        return stage.Mails == 0 ? null : stage;
    }

    private static Dictionary<string, StageOccupancy> Occupancy(IReadOnlyCollection<MailTimeline> mails, Limits limits, double seconds) => new()
    {
        ["producerWindow"] = Inside(mails, m => m.PublishCalled, m => m.PublishConfirmed, seconds, limits.ProducerWindow),
        ["signerInFlight"] = Inside(mails, m => m.SignerReceived, m => m.SignerAcknowledged, seconds, limits.SignerInFlight),
        ["protectSlots"] = Inside(mails, m => m.ProtectStarted, m => m.ProtectDone, seconds, limits.ProtectSlots),
        ["senderConcurrency"] = Inside(mails, m => m.DeliveryEntered, m => m.DeliveryLeft, seconds, limits.SenderConcurrency),
    };

    private static StageOccupancy Inside(IEnumerable<MailTimeline> mails, Func<MailTimeline, long> from, Func<MailTimeline, long> to, double seconds, int limit) =>
        new(Average(mails, from, to, seconds), limit, FullShare(mails, from, to, seconds, limit));

    // The share of the run during which at least `limit` mails were inside: a sweep over every mail's entry and exit.
    private static double FullShare(IEnumerable<MailTimeline> mails, Func<MailTimeline, long> from, Func<MailTimeline, long> to, double seconds, int limit)
    {
        var edges = new List<(long Ticks, int Step)>();
        foreach (var mail in mails)
        {
            long a = from(mail), b = to(mail);
            if (a != 0 && b > a)
            {
                edges.Add((a, 1));
                edges.Add((b, -1));
            }
        }

        // Exits before entries at the same tick: a place given back and taken again is not counted twice.
        edges.Sort((x, y) => x.Ticks != y.Ticks ? x.Ticks.CompareTo(y.Ticks) : x.Step.CompareTo(y.Step));
        long full = 0;
        int inside = 0;
        for (int i = 0; i < edges.Count; i++)
        {
            inside += edges[i].Step;
            if (inside >= limit && i + 1 < edges.Count)
            {
                full += edges[i + 1].Ticks - edges[i].Ticks;
            }
        }

        return seconds <= 0 ? 0 : Math.Round(full / (double)TimeSpan.TicksPerSecond / seconds, 4);
    }

    private static StageLatency Between(IEnumerable<MailTimeline> mails, Func<MailTimeline, long> from, Func<MailTimeline, long> to)
    {
        var milliseconds = new List<double>();
        foreach (var mail in mails)
        {
            long a = from(mail), b = to(mail);
            if (a != 0 && b != 0)
            {
                milliseconds.Add((b - a) / (double)TimeSpan.TicksPerMillisecond);
            }
        }

        return StageLatency.Of(milliseconds);
    }

    private static double Average(IEnumerable<MailTimeline> mails, Func<MailTimeline, long> from, Func<MailTimeline, long> to, double seconds)
    {
        long ticks = 0;
        foreach (var mail in mails)
        {
            long a = from(mail), b = to(mail);
            if (a != 0 && b > a)
            {
                ticks += b - a;
            }
        }

        return Math.Round(ticks / (double)TimeSpan.TicksPerSecond / seconds, 2);
    }
}
