using SmimePipeline.Cli.Bench;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Issue 17, session 18: in <c>bench pipeline</c>, everything compared with a pickup file's time is on the file's clock
/// (<see cref="FileTimestampClock"/>, the kernel's coarse wall clock). Session 17 put the publish → file latencies on it;
/// the stage table's "total, publish → file" still began at the publish's fine stamp, the GC pauses set against each mail's
/// publish → file still carried the runtime's fine times, and the delivery stage of a mail whose ESP answer was not seen
/// still ran from a fine start to the file's time. Each could read up to a tick or two off, always the same way.
/// </summary>
public sealed class FileClockConsistencyTests
{
    private static readonly DateTime T0 = new(2026, 12, 3, 16, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Total_runs_from_the_publish_stamped_on_the_file_clock_to_the_files_time()
    {
        // The fine publish call 6 ms after the file-clock stamp of the same moment (the coarse clock's lag); the file 10 ms
        // after that stamp on the file's clock.
        var mail = new MailTimeline
        {
            PublishStamped = T0.Ticks,
            PublishCalled = T0.AddMilliseconds(6).Ticks,
            FileVisible = T0.AddMilliseconds(10).Ticks,
        };

        var stages = PipelineStageReport.Of([mail]);

        Assert.Equal(10.0, stages.Total.P50Milliseconds, 3);
    }

    [Fact]
    public void A_delivery_whose_answer_was_not_seen_starts_on_the_file_clock()
    {
        var lag = new FileClockLag(3);
        foreach (var ms in new[] { 2, 5, 6 })
        {
            lag.Add(TimeSpan.FromMilliseconds(ms));
        }

        // Entered at fine T0 + 20 ms (on the file clock T0 + 15 ms, the median lag 5 ms), the file at T0 + 18 ms on its clock.
        var mail = new MailTimeline { SenderReceived = T0.AddMilliseconds(20).Ticks, FileVisible = T0.AddMilliseconds(18).Ticks };

        var stages = PipelineStageReport.Of([mail], fileClock: lag);

        Assert.Equal(3.0, stages.Delivery.P50Milliseconds, 3);
    }

    [Fact]
    public void A_gc_pause_is_set_against_a_mails_publish_to_file_on_the_file_clock()
    {
        var lag = new FileClockLag(4);
        foreach (var ms in new[] { 4, 4, 5, 9 })
        {
            lag.Add(TimeSpan.FromMilliseconds(ms));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(4.5), lag.Median);
        // A 3 ms pause at fine T0 + 8-11 ms is at T0 + 3.5-6.5 ms on the file clock: wholly inside the publish → file of a mail
        // published at T0 and filed at T0 + 10 ms on that clock; read on the fine clock, 1 ms of it fell after the file.
        var fine = new GcPauseRecord([new GcPause(T0.AddMilliseconds(8), T0.AddMilliseconds(11), 0, Background: false)], 0, 0);

        var onFileClock = fine.OnFileClock(lag);

        Assert.Equal(TimeSpan.FromMilliseconds(2), fine.PauseWithin(T0, T0.AddMilliseconds(10)));
        Assert.Equal(TimeSpan.FromMilliseconds(3), onFileClock.PauseWithin(T0, T0.AddMilliseconds(10)));
        Assert.Equal(fine.Pauses[0].Duration, onFileClock.Pauses[0].Duration);
    }

    [Fact]
    public void The_file_clock_never_runs_ahead_of_the_fine_one()
    {
        // The lag the bench samples at each publish: the fine clock read after the file's clock is never behind it (on
        // Linux both are the kernel's wall clock, the coarse one as of its last tick), and not a second ahead either.
        var lag = new FileClockLag(5000);
        var negative = 0;
        for (var i = 0; i < 5000; i++)
        {
            var onFileClock = lag.Stamp();
            negative += DateTime.UtcNow < onFileClock ? 1 : 0;
        }

        Assert.Equal(0, negative);
        Assert.Equal(5000, lag.Count);
        Assert.InRange(lag.Median, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }
}
