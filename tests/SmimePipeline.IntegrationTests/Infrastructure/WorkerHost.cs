using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return new WorkerHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
