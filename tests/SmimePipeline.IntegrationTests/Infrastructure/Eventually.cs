using System.Diagnostics;
using System.Runtime.CompilerServices;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes, then fails with a description.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(
        Func<Task<bool>> condition,
        TimeSpan timeout,
        Func<string> describe,
        [CallerFilePath] string callerFile = "",
        [CallerLineNumber] int callerLine = 0)
    {
        var waited = Stopwatch.StartNew();
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                WaitBudgetLog.Record("Eventually", timeout, waited.Elapsed, met: false, callerFile, callerLine);
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s: {describe()}");
            }

            await Task.Delay(200);
        }

        WaitBudgetLog.Record("Eventually", timeout, waited.Elapsed, met: true, callerFile, callerLine);
    }
}
