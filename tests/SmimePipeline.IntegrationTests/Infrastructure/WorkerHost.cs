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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        WaitBudgetLog.Record("WorkerHost start", TimeSpan.FromSeconds(60), starting.Elapsed, met: true, nameof(WorkerHost), 0);
        return new WorkerHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        var stopping = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token);
        WaitBudgetLog.Record("WorkerHost stop", TimeSpan.FromSeconds(60), stopping.Elapsed, met: true, nameof(WorkerHost), 0);
        _host.Dispose();
    }
}
