using System.Globalization;

namespace SmimePipeline.Testing;

/// <summary>
/// Records how long each bounded wait of the tests took against its budget, one tab-separated line per wait (where it
/// is, what it waited for, budget s, elapsed s, met or timed-out), appended to the file that
/// <c>SMIME_TEST_WAIT_LOG</c> names; without that variable nothing is written. A wait that takes a large share of its
/// budget on a loaded machine is the next flake on a slower one: <c>scripts/wait_budgets.py</c> lists them.
/// </summary>
public static class WaitBudgetLog
{
    private static readonly string? LogPath = Environment.GetEnvironmentVariable("SMIME_TEST_WAIT_LOG");
    private static readonly Lock Gate = new();

    /// <summary>Appends one wait: <paramref name="file"/> and <paramref name="line"/> are its caller's (CallerFilePath, CallerLineNumber).</summary>
    public static void Record(string wait, TimeSpan budget, TimeSpan elapsed, bool met, string file, int line)
    {
        if (string.IsNullOrEmpty(LogPath))
        {
            return;
        }

        var row = string.Create(
            CultureInfo.InvariantCulture,
            $"{Path.GetFileName(file)}:{line}\t{wait}\t{budget.TotalSeconds:F1}\t{elapsed.TotalSeconds:F2}\t{(met ? "met" : "timed-out")}\n");
        lock (Gate)
        {
            File.AppendAllText(LogPath, row);
        }
    }
}
