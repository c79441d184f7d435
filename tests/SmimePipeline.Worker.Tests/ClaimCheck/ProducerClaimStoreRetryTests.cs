using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The signer's wait for a claim store that refuses connections: transient failures are tried again with backoff until
/// the store answers or the period ends; other failures are not waited for; each wait is counted by SQLSTATE.
/// </summary>
public sealed class ProducerClaimStoreRetryTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private readonly TestMeters _meters = new();
    private readonly MeterListener _listener = new();
    private readonly List<string> _counted = [];

    public ProducerClaimStoreRetryTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "SmimePipeline" && instrument.Name == "smime.producer_claims.store_retries")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            if (_meters.Created.Contains(instrument.Meter))
            {
                lock (_counted)
                {
                    _counted.Add((string)tags[0].Value!);
                }
            }
        });
        _listener.Start();
    }

    [Fact]
    public async Task A_store_that_refuses_connections_twice_is_waited_for_and_its_answer_returned()
    {
        int calls = 0;
        var retry = Retry(TimeSpan.FromMinutes(1));

        var answer = await retry.RunAsync(Guid.NewGuid(), _ => ++calls <= 2 ? throw Transient("53300") : Task.FromResult(42), CancellationToken.None).WaitAsync(Generous);

        Assert.Equal(42, answer);
        Assert.Equal(3, calls);
        Assert.Equal(["53300", "53300"], _counted);
    }

    [Fact]
    public async Task A_failure_that_needs_an_operator_is_thrown_at_once()
    {
        int calls = 0;
        var retry = Retry(TimeSpan.FromMinutes(1));
        var permissionDenied = new ProtectClaimStoreException("could not read producer claim: SQLSTATE 42501 permission denied", new InvalidOperationException(), "42501", isTransient: false);

        var thrown = await Assert.ThrowsAsync<ProtectClaimStoreException>(
            () => retry.RunAsync<int>(Guid.NewGuid(), _ => { calls++; throw permissionDenied; }, CancellationToken.None).WaitAsync(Generous));

        Assert.Same(permissionDenied, thrown);
        Assert.Equal(1, calls);
        Assert.Empty(_counted);
    }

    [Fact]
    public async Task A_store_that_stays_unavailable_fails_after_the_period_naming_the_cause_and_the_tries()
    {
        int calls = 0;
        var retry = Retry(TimeSpan.FromSeconds(2));
        var started = TimeProvider.System.GetTimestamp();

        var thrown = await Assert.ThrowsAsync<ProtectClaimStoreException>(
            () => retry.RunAsync<int>(Guid.NewGuid(), _ => { calls++; throw Transient(null); }, CancellationToken.None).WaitAsync(Generous));

        // The period ends once less than the first wait (0.5 s) is left of it.
        Assert.True(TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(2) - ProducerClaimStoreRetry.FirstDelay);
        // 0.5 s, 1 s, then what is left of the period: four tries on an idle machine, fewer when the waits overrun; never
        // a fifth after a sliver when a timer fires a hair early (that case exactly: the early-timer test below).
        Assert.InRange(calls, 2, 4);
        Assert.True(thrown.IsTransient);
        Assert.Contains("Failed to connect", thrown.Message, StringComparison.Ordinal);
        Assert.Contains($"still failing after {calls} tries", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("SmimePipeline:ProducerClaims:UnavailableRetryPeriod", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Repeat("none", calls - 1), _counted);
    }

    [Fact]
    public async Task A_timer_that_fires_a_hair_early_does_not_buy_a_try_after_a_sliver_of_the_period()
    {
        // Every wait ends one microsecond early on the stopwatch, as a timer can on a busy machine (CI, session 10):
        // the tries come at 0, 0.5 s, 1.5 s and 2 s (each less a hair), and what is left then (microseconds) is no wait.
        var clock = new EarlyTimerClock(TimeSpan.FromTicks(10));
        var retry = new ProducerClaimStoreRetry(
            Options.Create(new ProducerClaimOptions { UnavailableRetryPeriod = TimeSpan.FromSeconds(2) }), _meters, clock, NullLogger<ProducerClaimStoreRetry>.Instance);
        int calls = 0;

        // A try after a sliver asks for a wait under a millisecond, which Task.Delay skips: on this clock it would never end.
        var thrown = await Assert.ThrowsAsync<ProtectClaimStoreException>(
            () => retry.RunAsync<int>(
                Guid.NewGuid(),
                _ => ++calls > 10 ? throw new InvalidOperationException($"still trying after {clock.Waits.Count} waits") : throw Transient(null),
                CancellationToken.None).WaitAsync(Generous));

        Assert.Equal(4, calls);
        // The last wait asked for is what is left (0.5 s and 2 µs), which Task.Delay truncates to whole milliseconds: the
        // stopwatch falls short of the period after it even when timers are exact, and the old rule tried a fifth time.
        Assert.Equal([TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500)], clock.Waits);
        Assert.Contains("still failing after 4 tries", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopping_host_ends_the_wait_at_once()
    {
        var retry = Retry(TimeSpan.FromMinutes(5));
        using var stopping = new CancellationTokenSource();
        int calls = 0;

        var waiting = retry.RunAsync<int>(Guid.NewGuid(), _ => { Interlocked.Increment(ref calls); throw Transient("57P03"); }, stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Generous));
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
    }

    private ProducerClaimStoreRetry Retry(TimeSpan period) =>
        new(Options.Create(new ProducerClaimOptions { UnavailableRetryPeriod = period }), _meters, TimeProvider.System, NullLogger<ProducerClaimStoreRetry>.Instance);

    private static ProtectClaimStoreException Transient(string? sqlState) => new(
        sqlState is null ? "could not read producer claim: Failed to connect to 127.0.0.1:1 (Connection refused)" : $"could not read producer claim: SQLSTATE {sqlState}",
        new InvalidOperationException(),
        sqlState,
        isTransient: true);

    /// <summary>
    /// A stopwatch that moves only when a timer fires, each timer firing at once and <paramref name="early"/> before its
    /// due time on the stopwatch. Records the waits it was asked for.
    /// </summary>
    private sealed class EarlyTimerClock(TimeSpan early) : TimeProvider
    {
        private long _ticks;

        public List<TimeSpan> Waits { get; } = [];

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (Waits)
            {
                Waits.Add(dueTime);
            }

            Interlocked.Add(ref _ticks, (dueTime - early).Ticks);
            // Fired from the pool, not inside CreateTimer: Task.Delay stores the timer before it may complete.
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new FiredTimer();
        }

        private sealed class FiredTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    /// <summary>Meters of this test only, so that another test's counts are not mixed in.</summary>
    private sealed class TestMeters : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
