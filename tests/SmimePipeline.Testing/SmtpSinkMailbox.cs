using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SmimePipeline.Testing;

/// <summary>
/// Watches the directory into which smtp-sink dumps messages. Files present when the mailbox is
/// created are ignored; every wait returns only messages it has not returned before. Test classes
/// run in parallel against the same smtp-sink, so prefer <see cref="WaitForMessageToAsync"/> with
/// a recipient address unique to the test.
/// </summary>
public sealed class SmtpSinkMailbox
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly HashSet<string> _seen;

    /// <summary>Starts watching <paramref name="directory"/>.</summary>
    public SmtpSinkMailbox(string directory)
    {
        Directory = directory;
        if (!System.IO.Directory.Exists(directory))
        {
            throw new InvalidOperationException($"The smtp-sink dump directory {directory} does not exist: is smtp-sink running (scripts/test.sh)?");
        }

        _seen = new HashSet<string>(System.IO.Directory.EnumerateFiles(directory), StringComparer.Ordinal);
    }

    /// <summary>The dump directory being watched.</summary>
    public string Directory { get; }

    /// <summary>Watches the directory of the smtp-sink started by scripts/test.sh (<see cref="TestServices.SmtpDirectory"/>).</summary>
    public static SmtpSinkMailbox ForTestServices() => new(TestServices.SmtpDirectory);

    /// <summary>Waits until <paramref name="count"/> new, completely written messages have arrived.</summary>
    /// <exception cref="TimeoutException">Fewer messages arrived within <paramref name="timeout"/> (default 60 s: a wait on a loaded machine, not a figure).</exception>
    public Task<IReadOnlyList<SmtpSinkMessage>> WaitForMessagesAsync(
        int count, TimeSpan? timeout = null, CancellationToken cancellationToken = default,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0)
        => WaitAsync(_ => true, count, $"{count} new message(s)", timeout, (callerFile, callerLine), cancellationToken);

    /// <summary>Waits for one new, completely written message whose envelope includes <paramref name="recipient"/>.</summary>
    /// <exception cref="TimeoutException">No such message arrived within <paramref name="timeout"/> (default 60 s: a wait on a loaded machine, not a figure).</exception>
    public async Task<SmtpSinkMessage> WaitForMessageToAsync(
        string recipient, TimeSpan? timeout = null, CancellationToken cancellationToken = default,
        [CallerFilePath] string callerFile = "", [CallerLineNumber] int callerLine = 0)
    {
        var messages = await WaitAsync(
            m => m.EnvelopeTo.Contains(recipient, StringComparer.OrdinalIgnoreCase), 1, $"a message to {recipient}", timeout, (callerFile, callerLine), cancellationToken);
        return messages[0];
    }

    private async Task<IReadOnlyList<SmtpSinkMessage>> WaitAsync(
        Func<SmtpSinkMessage, bool> match, int count, string what, TimeSpan? timeout, (string File, int Line) caller, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTimeOffset.UtcNow + limit;
        var found = new List<SmtpSinkMessage>();
        var lastSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        while (true)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(Directory).Order(StringComparer.Ordinal))
            {
                if (_seen.Contains(file) || !IsComplete(file, lastSizes))
                {
                    continue;
                }

                var message = SmtpSinkMessage.Parse(Path.GetFileName(file), await File.ReadAllBytesAsync(file, cancellationToken));
                if (!match(message))
                {
                    continue;
                }

                _seen.Add(file);
                found.Add(message);
                if (found.Count == count)
                {
                    WaitBudgetLog.Record("SmtpSinkMailbox", limit, waited.Elapsed, met: true, caller.File, caller.Line);
                    return found;
                }
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                WaitBudgetLog.Record("SmtpSinkMailbox", limit, waited.Elapsed, met: false, caller.File, caller.Line);
                throw new TimeoutException($"smtp-sink did not receive {what} within {limit} (got {found.Count}) in {Directory}.");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    // smtp-sink writes the dump while the transaction runs. A dump is complete when it ends with
    // the extra empty line smtp-sink appends and its size did not change since the last poll.
    private static bool IsComplete(string file, Dictionary<string, long> lastSizes)
    {
        var info = new FileInfo(file);
        var size = info.Length;
        var stable = lastSizes.TryGetValue(file, out var previous) && previous == size;
        lastSizes[file] = size;
        if (!stable || size < 2)
        {
            return false;
        }

        using var stream = info.OpenRead();
        stream.Seek(-2, SeekOrigin.End);
        Span<byte> tail = stackalloc byte[2];
        stream.ReadExactly(tail);
        return tail.SequenceEqual("\n\n"u8);
    }
}
