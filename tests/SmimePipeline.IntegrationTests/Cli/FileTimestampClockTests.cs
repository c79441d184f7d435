using SmimePipeline.Cli.Bench;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Session 17: <c>bench pipeline</c> measures publish → file from a stamp taken at the publish to the pickup file's
/// modification time. Stamped with <see cref="DateTime.UtcNow"/> (the fine wall clock), paced runs showed negative
/// latencies: the kernel stamps files from its coarse clock, up to a tick (4 ms at 250 Hz, more on a tickless idle core)
/// behind. <see cref="FileTimestampClock"/> is the file's clock: a file written after it was read never carries an earlier time.
/// </summary>
public sealed class FileTimestampClockTests
{
    [Fact]
    public void A_file_written_after_the_clock_was_read_never_carries_an_earlier_time()
    {
        using var temp = new TempDirectory();
        var stamps = new List<(string Path, DateTime Before)>();
        for (var i = 0; i < 2000; i++)
        {
            var path = Path.Combine(temp.Path, $"{i}.eml");
            var before = FileTimestampClock.UtcNow;
            File.WriteAllBytes(path, [1]);
            stamps.Add((path, before));
        }

        // Read only now, as the bench does after its run: since Linux 6.13 a file whose times were read gets a fine time at
        // its next change, which would hide what the bench sees.
        var earlier = stamps.Select(s => (File.GetLastWriteTimeUtc(s.Path) - s.Before).TotalMilliseconds).Where(ms => ms < 0).ToList();
        Assert.True(
            earlier.Count == 0,
            $"{earlier.Count} of {stamps.Count} files carry a time before the stamp taken before they were written (by up to {-earlier.DefaultIfEmpty().Min():F3} ms)");
    }
}
