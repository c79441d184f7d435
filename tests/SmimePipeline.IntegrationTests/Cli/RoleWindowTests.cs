using SmimePipeline.Cli.Bench;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 17, session 23: <c>bench pipeline --roles</c> printed a sender-window bound of 248 msg/s where the sender alone had
/// just passed 374 msg/s (session 22: 4,000 mails in 10.7 s, 10 delivery places, 40.4 ms from the consumer's receive to its
/// acknowledgement, 15.1 mails inside that interval on average, 12.4 ms of it the accepted record and the
/// <c>EmailDelivered</c> confirm). A window's bound (Little's law: places ÷ the time a mail holds one) must lie at or above
/// the rate the role passed through it; it lay below because the interval was not the place: the consumer takes twice as
/// many mails as there are places and they wait inside it for one.
/// </summary>
public sealed class RoleWindowTests
{
    private const int Places = 10;
    private const int Mails = 4_000;
    private const double Seconds = 10.7;
    private static readonly DateTime T0 = new(2026, 12, 4, 13, 25, 0, DateTimeKind.Utc);

    [Fact]
    public void The_sender_windows_bound_is_read_from_the_delivery_place_and_lies_at_or_above_the_rate_the_sender_passed()
    {
        var mails = Session22SenderAlone();
        double rate = Mails / Seconds;

        var window = RoleWindow.Sender(mails, Places, Seconds);

        Assert.NotNull(window);
        Assert.Equal(Mails, window.Mails);
        // Each mail held its place for 10 ÷ 374 msg/s = 26.7 ms (places full), of which 12.4 ms after the ESP's answer.
        Assert.InRange(window.ResidenceMilliseconds, 26.7, 26.8);
        Assert.InRange(window.ConfirmWaitMilliseconds, 12.39, 12.41);
        Assert.InRange(window.AverageInside, 0, Places);
        Assert.True(window.MaxMailsPerSecond >= rate - 0.5, $"bound {window.MaxMailsPerSecond} msg/s below the {rate:F1} msg/s the sender passed");
    }

    [Fact]
    public void The_consumers_receive_to_acknowledgement_holds_more_mails_than_there_are_places_and_bounds_too_low()
    {
        // Session 22's reading, the interval the sender's window used before: its bound is 248 msg/s, below the rate.
        var mails = Session22SenderAlone();

        var consumer = RoleWindow.Of(mails, Places, Seconds, m => m.SenderReceived, m => m.SenderAcknowledged, _ => null);

        Assert.NotNull(consumer);
        Assert.InRange(consumer.ResidenceMilliseconds, 40.39, 40.41);
        Assert.InRange(consumer.AverageInside, 15.0, 15.2);
        Assert.InRange(consumer.MaxMailsPerSecond, 247, 248);
        Assert.True(consumer.MaxMailsPerSecond < Mails / Seconds);
    }

    [Fact]
    public void The_producer_and_signer_windows_keep_their_intervals()
    {
        var mail = new MailTimeline
        {
            PublishCalled = T0.Ticks,
            PublishConfirmed = T0.AddMilliseconds(190).Ticks,
            SignerReceived = T0.AddMilliseconds(300).Ticks,
            ProtectDone = T0.AddMilliseconds(316).Ticks,
            SignerAcknowledged = T0.AddMilliseconds(350).Ticks,
        };

        var producer = RoleWindow.Producer([mail], 200, 1);
        var signer = RoleWindow.Signer([mail], 32, 1);

        Assert.Equal(190, producer!.ResidenceMilliseconds);
        Assert.Equal(190, producer.ConfirmWaitMilliseconds);
        Assert.Equal(50, signer!.ResidenceMilliseconds);
        Assert.Equal(34, signer.ConfirmWaitMilliseconds);
    }

    /// <summary>
    /// The sender-alone phase of session 22's <c>--roles</c> run as its figures describe it: a mail every 10.7 s ÷ 4,000
    /// received into the consumer, 13.7 ms waiting there for a place, 26.7 ms in the place (the <c>smime deliver</c> span),
    /// the ESP's answer 12.4 ms before the span's end, acknowledged as the span ends: 40.4 ms from receive to acknowledgement.
    /// </summary>
    private static List<MailTimeline> Session22SenderAlone()
    {
        double every = Seconds * 1000 / Mails;
        double held = Places * every;
        var mails = new List<MailTimeline>(Mails);
        for (int i = 0; i < Mails; i++)
        {
            long received = T0.Ticks + Ticks(i * every);
            long started = received + Ticks(40.4 - held);
            long ended = started + Ticks(held);
            mails.Add(new MailTimeline
            {
                SenderReceived = received,
                DeliveryStarted = started,
                EspAnswered = ended - Ticks(12.4),
                DeliveryEnded = ended,
                SenderAcknowledged = ended,
            });
        }

        return mails;
    }

    private static long Ticks(double milliseconds) => (long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond);
}
