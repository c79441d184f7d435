using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Worker.Tests.Signing;

/// <summary>The waits of the signer's PKCS#11 retry fill <c>Signer:KeyUnavailableRetryPeriod</c>, and the period is validated.</summary>
public sealed class KeyUnavailableRetryTests
{
    [Fact]
    public void The_default_period_is_five_minutes_of_waits_doubling_from_half_a_second_to_thirty_seconds()
    {
        var intervals = KeyUnavailableRetry.Intervals(new SignerOptions().KeyUnavailableRetryPeriod);

        Assert.Equal(TimeSpan.FromMinutes(5), intervals.Aggregate(TimeSpan.Zero, (sum, wait) => sum + wait));
        Assert.Equal([0.5, 1, 2, 4, 8, 16, 30, 30], intervals.Take(8).Select(i => i.TotalSeconds));
        Assert.All(intervals, i => Assert.InRange(i, KeyUnavailableRetry.FirstDelay, KeyUnavailableRetry.LongestDelay));
    }

    [Theory]
    [InlineData(1.0, new[] { 0.5, 0.5 })]
    [InlineData(2.0, new[] { 0.5, 1, 0.5 })]
    [InlineData(1.9, new[] { 0.5, 1 })]
    public void The_last_wait_is_what_is_left_and_less_than_the_first_wait_left_ends_the_period(double periodSeconds, double[] waits)
    {
        Assert.Equal(waits, KeyUnavailableRetry.Intervals(TimeSpan.FromSeconds(periodSeconds)).Select(i => Math.Round(i.TotalSeconds, 3)));
    }

    [Theory]
    [InlineData("00:00:00.5")]
    [InlineData("00:20:01")]
    public void A_period_outside_one_second_to_twenty_minutes_is_refused_naming_the_setting(string period)
    {
        var options = new SmimePipelineOptions { Roles = WorkerRoles.Signer, Signer = { StorePath = Path.GetTempPath(), KeyUnavailableRetryPeriod = TimeSpan.Parse(period, System.Globalization.CultureInfo.InvariantCulture) } };

        var result = new SmimePipelineOptionsValidator().Validate(null, options);

        Assert.Contains("SmimePipeline:Signer:KeyUnavailableRetryPeriod must be between", result.FailureMessage, StringComparison.Ordinal);
    }
}
