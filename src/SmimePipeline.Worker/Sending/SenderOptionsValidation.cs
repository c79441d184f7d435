using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Sending;

/// <summary>The sender role's checks, called by <see cref="SmimePipelineOptionsValidator"/>.</summary>
internal static class SenderOptionsValidation
{
    public static void Validate(SenderOptions sender, string prefix, List<string> failures)
    {
        if (sender.Concurrency < 1)
        {
            failures.Add($"{prefix}:Concurrency must be at least 1 (was {sender.Concurrency}).");
        }

        if (sender.LargeMailPlaces < 0)
        {
            failures.Add($"{prefix}:LargeMailPlaces must be 0 (places by size off) or more (was {sender.LargeMailPlaces}).");
        }

        CheckList(sender.RetrySchedule, $"{prefix}:RetrySchedule", requireOne: true, failures);
        CheckList(sender.ImmediateRetries, $"{prefix}:ImmediateRetries", requireOne: false, failures);
        if (sender.BreakerFailureThreshold < 1)
        {
            failures.Add($"{prefix}:BreakerFailureThreshold must be at least 1 (was {sender.BreakerFailureThreshold}).");
        }

        if (sender.BreakerOpenDuration <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}:BreakerOpenDuration must be positive (was {sender.BreakerOpenDuration}).");
        }

        if (sender.ConfigurationErrorPause <= TimeSpan.Zero)
        {
            failures.Add($"{prefix}:ConfigurationErrorPause must be positive (was {sender.ConfigurationErrorPause}).");
        }
    }

    private static void CheckList(string value, string setting, bool requireOne, List<string> failures)
    {
        try
        {
            if (requireOne && DurationList.Parse(value).Count == 0)
            {
                failures.Add($"{setting} needs at least one step (e.g. \"10s,1m,5m,30m,2h\").");
            }
        }
        catch (FormatException e)
        {
            failures.Add($"{setting} is invalid: {e.Message}");
        }
        catch (OverflowException e)
        {
            failures.Add($"{setting} is invalid: {e.Message}");
        }
    }
}
