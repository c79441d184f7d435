namespace SmimePipeline.Cli.Bench;

/// <summary>
/// After the warm-up mails, waits until the tiered JIT has caught up: the warm-up leaves a queue of methods that reached
/// their call count and wait for the background tiering thread to compile them at tier 1 (with dynamic PGO, twice:
/// instrumented, then optimised). On a busy 2-core machine, after 3,000 warm-up mails, the paced measured runs recompiled
/// 1,600–3,300 methods, most of them methods compiled before measuring, while the mails ran (docs/performance-log.md
/// "Issue 17, session 10: the CPU that does not follow the mails"): CPU a worker that has run for minutes no longer pays. With nothing else running the same queue drained in ≈ 11 s. Quiet means fewer than <see cref="QuietMethods"/>
/// methods compiled in <see cref="QuietWindow"/>; the wait gives up after <see cref="Limit"/> and says so.
/// </summary>
/// <param name="Seconds">How long the wait took.</param>
/// <param name="MethodsCompiled">Methods the JIT compiled while waiting: the warm-up's tail, kept out of the measured run.</param>
/// <param name="Quiet">Whether the JIT went quiet before <see cref="Limit"/>.</param>
internal sealed record JitSettle(double Seconds, long MethodsCompiled, bool Quiet)
{
    /// <summary>The longest wait: 90 s.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>The window the JIT must stay (almost) idle for: 3 s.</summary>
    public static readonly TimeSpan QuietWindow = TimeSpan.FromSeconds(3);

    /// <summary>Fewer methods than this compiled in <see cref="QuietWindow"/> counts as quiet: 10.</summary>
    public const long QuietMethods = 10;

    /// <summary>No wait (no warm-up mails were asked for).</summary>
    public static readonly JitSettle None = new(0, 0, true);

    /// <summary>Polls the JIT's compiled-method count twice a second until <see cref="QuietWindow"/> passes with fewer than
    /// <see cref="QuietMethods"/> new methods, or <see cref="Limit"/> passes.</summary>
    public static async Task<JitSettle> WaitAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var first = JitActivity.TotalMethodsCompiled;
        var window = new Queue<(long Timestamp, long Methods)>();
        window.Enqueue((started, first));
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken);
            var now = time.GetTimestamp();
            var methods = JitActivity.TotalMethodsCompiled;
            window.Enqueue((now, methods));
            while (window.Count > 1 && time.GetElapsedTime(window.ElementAt(1).Timestamp, now) >= QuietWindow)
            {
                window.Dequeue();
            }

            var (oldest, oldestMethods) = window.Peek();
            bool quiet = time.GetElapsedTime(oldest, now) >= QuietWindow && methods - oldestMethods < QuietMethods;
            var elapsed = time.GetElapsedTime(started, now);
            if (quiet || elapsed >= Limit)
            {
                return new JitSettle(Math.Round(elapsed.TotalSeconds, 1), methods - first, quiet);
            }
        }
    }

    /// <summary>The progress line.</summary>
    public override string ToString() => Quiet
        ? $"the JIT went quiet after {Seconds:F1} s ({MethodsCompiled} methods compiled while waiting)"
        : $"the JIT was still compiling after {Seconds:F1} s ({MethodsCompiled} methods while waiting), not waiting longer";
}
