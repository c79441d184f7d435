namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The clock the kernel stamps files with, for times compared with a file's modification time. Linux sets a file's times
/// from its coarse wall clock (<c>CLOCK_REALTIME_COARSE</c>, brought forward at each tick: 4 ms at this kernel's 250 Hz,
/// longer on an idle tickless core; since 6.13 a fine time only for a file whose times someone read since its last change),
/// while <see cref="DateTime.UtcNow"/> reads the fine one. A pickup file written 2 ms after a fine stamp could carry a time
/// before it: measured here (session 17), 2,993 of 3,000 new files created right after a fine stamp carried an earlier time,
/// by 4.6 ms at the median and up to 8.8 ms, on ext4 and on tmpfs alike — the negative publish → file latencies of paced runs.
/// Stamping the publish on the file's clock makes both ends of the interval the same clock: never negative, and the tick's
/// truncation falls on both ends instead of biasing every latency low. Elsewhere than Linux, <see cref="DateTime.UtcNow"/>.
/// </summary>
internal static class FileTimestampClock
{
    private const int ClockRealtimeCoarse = 5;

    /// <summary>Now, as the kernel would stamp a file written at this moment (UTC).</summary>
    public static DateTime UtcNow =>
        LibcClock.TryNanoseconds(ClockRealtimeCoarse) is { } nanoseconds ? DateTime.UnixEpoch.AddTicks(nanoseconds / 100) : DateTime.UtcNow;
}
