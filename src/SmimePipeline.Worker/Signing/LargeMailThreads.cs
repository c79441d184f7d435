using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Dedicated threads that compose and protect large mails at a higher Linux nice value (<c>Signer:LargeMailNice</c>,
/// default 10), so that when a large mail's ≈ 80 ms of CPU competes for a core with small mails' protection, the broker
/// or the sender, the kernel prefers those (issue 17, target 2). One thread per slot large mails may hold
/// (<see cref="SignerOptions.EffectiveLargeMailSlots"/>); each sets its own nice value when it starts and keeps it, since
/// an unprivileged process cannot lower it again (<see cref="LinuxThreadNice"/>). There are no threads, and
/// <see cref="Enabled"/> is false, unless both settings ask for them: <c>Signer:LargeMailThresholdBytes</c> above 0 (no
/// mail is large otherwise; 0 is the default) and <c>Signer:LargeMailNice</c> above 0. Where the nice value cannot be set (not Linux, or the system refuses),
/// the threads run at normal priority and one warning says why: mails are protected all the same.
/// </summary>
public sealed partial class LargeMailThreads : IDisposable
{
    private readonly BlockingCollection<WorkItem> _work = new();
    private readonly Thread[] _threads;
    private readonly ILogger<LargeMailThreads> _logger;
    private int _warned;
    private long _completed;

    /// <summary>Starts the threads that <c>SmimePipeline:Signer</c> asks for.</summary>
    public LargeMailThreads(IOptions<SmimePipelineOptions> options, ILogger<LargeMailThreads> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        var signer = options.Value.Signer;
        Nice = signer.LargeMailNice;
        // Threads that nothing would ever use are not started: with the threshold at 0 no mail is large.
        _threads = new Thread[Nice > 0 && signer.LargeMailThresholdBytes > 0 ? signer.EffectiveLargeMailSlots : 0];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Run) { IsBackground = true, Name = $"smime-large-protect-{i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>
    /// Whether large mails are protected on these threads: <c>Signer:LargeMailThresholdBytes</c> and
    /// <c>Signer:LargeMailNice</c> both above 0.
    /// </summary>
    public bool Enabled => _threads.Length > 0;

    /// <summary>The nice value the threads run at (where the system allows it).</summary>
    public int Nice { get; }

    /// <summary>How many threads there are.</summary>
    public int Count => _threads.Length;

    /// <summary>How many pieces of work the threads have finished (returned or thrown) since they started.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>
    /// Runs <paramref name="work"/> on one of the threads, in the caller's execution context (its trace and log scopes),
    /// and returns its result; whatever it throws is thrown to the caller unchanged.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled before a thread took the work.</exception>
    /// <exception cref="InvalidOperationException">There are no threads (<see cref="Enabled"/> is false), or they were disposed.</exception>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!Enabled)
        {
            throw new InvalidOperationException("Large mails are protected on the consumer's thread (Signer:LargeMailThresholdBytes or Signer:LargeMailNice is 0).");
        }

        var item = new WorkItem<T>(work, ExecutionContext.Capture(), cancellationToken);
        if (!_work.TryAdd(item))
        {
            throw new InvalidOperationException("The large-mail threads have stopped (the host is stopping).");
        }

        return item.Result.Task;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_work.IsAddingCompleted)
        {
            // The threads finish what was queued and end; they are background threads, so nobody waits for them.
            _work.CompleteAdding();
        }
    }

    private void Run()
    {
        if (LinuxThreadNice.TrySetCurrentThread(Nice) is { } problem && Interlocked.Exchange(ref _warned, 1) == 0)
        {
            NiceNotSet(_logger, Nice, problem);
        }

        foreach (var item in _work.GetConsumingEnumerable())
        {
            item.Execute();
            Interlocked.Increment(ref _completed);
        }
    }

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "Large mails are protected at normal priority: nice {Nice} could not be set ({Problem})")]
    private static partial void NiceNotSet(ILogger logger, int nice, string problem);

    private abstract class WorkItem
    {
        public abstract void Execute();
    }

    private sealed class WorkItem<T>(Func<T> work, ExecutionContext? context, CancellationToken cancellationToken) : WorkItem
    {
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Execute()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                Result.TrySetCanceled(cancellationToken);
                return;
            }

            if (context is null)
            {
                Invoke();
            }
            else
            {
                ExecutionContext.Run(context, static state => ((WorkItem<T>)state!).Invoke(), this);
            }
        }

        // Every exception goes to the awaiting consumer, which reports it like any other (the thread lives on).
        private void Invoke()
        {
            try
            {
                Result.TrySetResult(work());
            }
            catch (Exception e)
            {
                Result.TrySetException(e);
            }
        }
    }
}
