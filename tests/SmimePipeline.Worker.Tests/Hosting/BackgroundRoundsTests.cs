using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.Worker.Tests.Hosting;

/// <summary>
/// The one loop of the worker's periodic background services (session 22 folded five copies into
/// <see cref="BackgroundRounds"/>): a failed round is counted in <c>smime.background.failures{service}</c>, reported once
/// and followed by the next; the first round runs at once only when asked; the host's stop ends the loop without an exception.
/// </summary>
public sealed class BackgroundRoundsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_failed_round_is_counted_reported_and_followed_by_the_next_and_the_stop_ends_the_loop_quietly()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new SmimeTelemetry(services.GetRequiredService<IMeterFactory>());
        var failures = new List<(string Service, long Count)>();
        using var listener = Listen(failures);
        var rounds = 0;
        var reported = new List<Exception>();
        var thirdRound = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var loop = BackgroundRounds.RunAsync(
            "test-loop", TimeSpan.FromMilliseconds(10), TimeProvider.System, roundAtStart: true,
            _ =>
            {
                if (++rounds == 3)
                {
                    thirdRound.SetResult();
                }

                return rounds <= 2 ? throw new InvalidOperationException($"round {rounds}") : Task.CompletedTask;
            },
            reported.Add, telemetry, stop.Token);
        await thirdRound.Task.WaitAsync(Generous);
        await stop.CancelAsync();
        await loop.WaitAsync(Generous);

        Assert.Equal(["round 1", "round 2"], reported.Select(e => e.Message));
        Assert.Equal(2, failures.Where(f => f.Service == "test-loop").Sum(f => f.Count));
    }

    [Fact]
    public async Task Without_a_round_at_start_the_first_round_waits_for_the_first_tick()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new SmimeTelemetry(services.GetRequiredService<IMeterFactory>());
        var rounds = 0;
        using var stop = new CancellationTokenSource();

        var loop = BackgroundRounds.RunAsync(
            "test-loop", TimeSpan.FromHours(1), TimeProvider.System, roundAtStart: false,
            _ =>
            {
                rounds++;
                return Task.CompletedTask;
            },
            _ => { }, telemetry, stop.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await stop.CancelAsync();
        await loop.WaitAsync(Generous);

        Assert.Equal(0, rounds);
    }

    private static MeterListener Listen(List<(string Service, long Count)> failures)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "smime.background.failures")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "service" && value > 0)
                {
                    lock (failures)
                    {
                        failures.Add(((string)tag.Value!, value));
                    }
                }
            }
        });
        listener.Start();
        return listener;
    }
}
