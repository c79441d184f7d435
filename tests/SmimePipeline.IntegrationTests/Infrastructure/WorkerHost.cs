using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Hosting;
using SmimePipeline.Worker.Telemetry;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>A worker host in this process, configured like a deployed worker through its settings.</summary>
public sealed class WorkerHost : IAsyncDisposable
{
    /// <summary>How long starting or stopping the host may take; the wait log records the same budget the wait has.</summary>
    private static readonly TimeSpan StartStopBudget = TimeSpan.FromSeconds(60);

    private readonly IHost _host;

    private WorkerHost(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public SmimeTelemetry Telemetry => _host.Services.GetRequiredService<SmimeTelemetry>();

    public static async Task<WorkerHost> StartAsync(IDictionary<string, string?> settings, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSmimePipelineWorker(builder.Configuration);
        configure?.Invoke(builder);
        var host = builder.Build();
        var starting = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(StartStopBudget);
        await host.StartAsync(timeout.Token);
        WaitBudgetLog.Record("WorkerHost start", StartStopBudget, starting.Elapsed, met: true, nameof(WorkerHost), 0);
        return new WorkerHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        var stopping = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(StartStopBudget);
        await _host.StopAsync(timeout.Token);
        WaitBudgetLog.Record("WorkerHost stop", StartStopBudget, stopping.Elapsed, met: true, nameof(WorkerHost), 0);
        _host.Dispose();
    }
}
