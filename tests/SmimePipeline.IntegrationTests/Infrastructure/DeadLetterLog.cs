namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>The one error line a worker writes for each mail it dead-letters, as a test waits for it.</summary>
public static class DeadLetterLog
{
    /// <summary>
    /// Waits up to 30 s for <paramref name="line"/> (e.g. <c>Mail {id} dead-lettered at protect: code</c>) in
    /// <paramref name="output"/>, then asserts it stands on exactly one line. <paramref name="what"/> names the case in the
    /// failure message.
    /// </summary>
    public static async Task AssertOneLineAsync(Func<string> output, string line, string what)
    {
        ArgumentNullException.ThrowIfNull(output);
        await Eventually.HoldsAsync(
            () => Task.FromResult(output().Contains(line, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            () => $"no dead-letter line for {what}:\n{output()}");
        Assert.Single(output().Split('\n'), l => l.Contains(line, StringComparison.Ordinal));
    }
}
