using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.Worker.Tests.Signing;

public sealed class LargeMailThreadsTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static LargeMailThreads Create(int nice, int concurrency = 2, int threshold = SignerOptions.SuggestedLargeMailThresholdBytes) =>
        new(Options.Create(new SmimePipelineOptions { Signer = { Concurrency = concurrency, LargeMailNice = nice, LargeMailThresholdBytes = threshold } }), NullLogger<LargeMailThreads>.Instance);

    [Fact]
    public async Task Large_mails_run_on_dedicated_threads_whose_nice_value_the_kernel_reports()
    {
        Assert.True(OperatingSystem.IsLinux(), "the worker's nice values are a Linux feature; this test runs on Linux");
        using var threads = Create(nice: 13, concurrency: 3);
        Assert.Equal(2, threads.Count);

        var (threadId, isPoolThread) = await threads.RunAsync(() => (LinuxThreadNice.CurrentThreadId(), Thread.CurrentThread.IsThreadPoolThread), CancellationToken.None).WaitAsync(Generous);

        Assert.False(isPoolThread);
        Assert.Equal(13, LinuxThreadNice.ReadNice(threadId));
        // The caller's thread (a pool thread) is never niced: an unprivileged process could not take that back.
        Assert.Equal(0, LinuxThreadNice.ReadNice(LinuxThreadNice.CurrentThreadId()));
    }

    [Fact]
    public async Task What_the_work_throws_reaches_the_caller_unchanged_and_the_thread_lives_on()
    {
        using var threads = Create(nice: 10, concurrency: 2);
        Assert.Equal(1, threads.Count);

        var thrown = await Assert.ThrowsAsync<InvalidDataException>(
            () => threads.RunAsync<int>(() => throw new InvalidDataException("mail 42 cannot be composed"), CancellationToken.None).WaitAsync(Generous));
        Assert.Equal("mail 42 cannot be composed", thrown.Message);

        Assert.Equal(7, await threads.RunAsync(() => 7, CancellationToken.None).WaitAsync(Generous));
    }

    [Fact]
    public async Task The_caller_s_trace_flows_onto_the_thread()
    {
        using var threads = Create(nice: 10);
        using var activity = new System.Diagnostics.Activity("smime protect").Start();

        var seen = await threads.RunAsync(() => System.Diagnostics.Activity.Current?.Id, CancellationToken.None).WaitAsync(Generous);

        Assert.Equal(activity.Id, seen);
    }

    [Fact]
    public async Task Work_cancelled_before_a_thread_takes_it_does_not_run()
    {
        using var threads = Create(nice: 10, concurrency: 2);
        using var release = new ManualResetEventSlim();
        var blocking = threads.RunAsync(() => release.Wait(Generous), CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        bool ran = false;
        var queued = threads.RunAsync(() => ran = true, cancel.Token);

        await cancel.CancelAsync();
        release.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(Generous));
        Assert.True(await blocking.WaitAsync(Generous));
        Assert.False(ran);
    }

    [Fact]
    public void With_nice_zero_there_are_no_threads_and_running_on_them_is_refused()
    {
        using var threads = Create(nice: 0);

        Assert.False(threads.Enabled);
        Assert.Throws<InvalidOperationException>(() => { _ = threads.RunAsync(() => 1, CancellationToken.None); });
    }

    [Fact]
    public async Task With_the_threshold_at_zero_the_default_no_thread_is_started_even_with_a_nice_value()
    {
        Assert.Equal(0, new SignerOptions().LargeMailThresholdBytes);
        Assert.Equal(SignerOptions.DefaultLargeMailNice, new SignerOptions().LargeMailNice);

        using var off = Create(nice: SignerOptions.DefaultLargeMailNice, concurrency: 3, threshold: 0);

        Assert.False(off.Enabled);
        Assert.Equal(0, off.Count);
        var refused = Assert.Throws<InvalidOperationException>(() => { _ = off.RunAsync(() => 1, CancellationToken.None); });
        Assert.Contains("LargeMailThresholdBytes", refused.Message, StringComparison.Ordinal);

        // The same settings with the threshold on do start them and run work there.
        using var on = Create(nice: SignerOptions.DefaultLargeMailNice, concurrency: 3);
        Assert.True(on.Enabled);
        Assert.Equal(2, on.Count);
        Assert.False(await on.RunAsync(() => Thread.CurrentThread.IsThreadPoolThread, CancellationToken.None).WaitAsync(Generous));
    }
}
