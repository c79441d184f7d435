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

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(2));
        // 0.5 s, 1 s, then what is left of the period: four tries on an idle machine, fewer when the waits overrun; five
        // when a timer fires a hair before the stopwatch reaches the period (CI, session 10), the fifth right after.
        Assert.InRange(calls, 2, 5);
        Assert.True(thrown.IsTransient);
        Assert.Contains("Failed to connect", thrown.Message, StringComparison.Ordinal);
        Assert.Contains($"still failing after {calls} tries", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("SmimePipeline:ProducerClaims:UnavailableRetryPeriod", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Repeat("none", calls - 1), _counted);
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
