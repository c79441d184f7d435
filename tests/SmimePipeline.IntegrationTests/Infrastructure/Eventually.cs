namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes, then fails with a description.</summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s: {describe()}");
            }

            await Task.Delay(200);
        }
    }
}
