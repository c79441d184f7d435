using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Observability;

/// <summary>
/// Session 19's audit: the queue-depth gauge (<c>QueueDepthMonitor</c>, RabbitMQ's management API every 5 s) must never
/// take the worker down. It caught only HTTP, JSON and timeout exceptions; the password file (<c>RabbitMq:PasswordFile</c>,
/// read at every poll so that a rotated secret is picked up) gone after start threw <see cref="FileNotFoundException"/> out
/// of the background service, and the host stopped (<c>BackgroundServiceExceptionBehavior.StopHost</c>): a sender or signer
/// stopped because a metric could not be read. Real RabbitMQ 3.10 with its management API.
/// </summary>
public sealed class QueueDepthMonitorTests : BrokerTest
{
    private readonly RecordingLoggerProvider _logs = new();

    [Fact]
    public async Task A_password_file_gone_after_start_leaves_the_gauge_stale_with_a_warning_and_the_worker_running()
    {
        var passwordFile = Path.Combine(Temp.Path, "rabbitmq-password");
        await File.WriteAllTextAsync(passwordFile, "guest");
        await using var worker = await WorkerHost.StartAsync(
            WorkerSettings(
                "Sender",
                Path.Combine(Temp.Path, "outbox"),
                ("SmimePipeline:RabbitMq:ManagementUri", TestServices.RabbitMqManagementUri.ToString()),
                ("SmimePipeline:RabbitMq:PasswordFile", passwordFile)),
            builder => builder.Logging.AddProvider(_logs));
        var lifetime = worker.Services.GetRequiredService<IHostApplicationLifetime>();

        File.Delete(passwordFile);

        // Two failed polls (5 s apart): the monitor is still polling, and the host was not stopped by the first.
        await Eventually.HoldsAsync(
            () => Task.FromResult(PollFailures().Count >= 2 || lifetime.ApplicationStopping.IsCancellationRequested),
            TimeSpan.FromSeconds(60),
            () => $"no two failed polls:\n{Output()}");
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, $"the worker is stopping:\n{Output()}");
        Assert.All(PollFailures(), l => Assert.Contains(nameof(FileNotFoundException), l, StringComparison.Ordinal));
    }

    private List<string> PollFailures() => [.. _logs.Lines.Where(l => l.Contains("Could not read queue depths from", StringComparison.Ordinal))];

    private string Output() => string.Join('\n', _logs.Lines);
}
