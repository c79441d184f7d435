using System.Net;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Hosting;

namespace SmimePipeline.IntegrationTests.Health;

/// <summary>
/// Issue 13 item 2: readiness tells the truth. A worker on the real RabbitMQ whose <c>smime-deliver</c> consumer is
/// deliberately stopped answers 503 on <c>/health/ready</c> at once, and 503 on <c>/health/live</c> once it has stayed
/// so past <c>Health:RecoveryTimeout</c>; started again, both answer 200.
/// </summary>
public sealed class ReadinessTests : BrokerTest
{
    [Fact]
    public async Task A_stopped_consumer_turns_readiness_503_and_liveness_503_after_the_recovery_timeout()
    {
        var captured = new EndpointCapture();
        var builder = WebApplication.CreateSlimBuilder();
        // Port 0: Kestrel binds a port the kernel picks (no other process can take it first); read back after the start.
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(WorkerSettings(
            "Sender",
            Path.Combine(Temp.Path, "outbox"),
            ("SmimePipeline:Health:RecoveryTimeout", "00:00:05"),
            ("SmimePipeline:ClaimCheck:Directory", Path.Combine(Temp.Path, "claims")),
            ("SmimePipeline:Delivery:Ledger:SqlitePath", Path.Combine(Temp.Path, "ledger.db")),
            ("SmimePipeline:Telemetry:Prometheus", "false")));
        builder.Services.AddSmimePipelineWorker(builder.Configuration);
        builder.Services.AddReceiveEndpointObserver(_ => captured);
        await using var app = builder.Build();
        app.MapSmimePipelineEndpoints();
        using (var start = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await app.StartAsync(start.Token);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitForStatusAsync(http, "health/ready", HttpStatusCode.OK, "ready after start");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);

        var endpoint = captured.Deliver ?? throw new InvalidOperationException("smime-deliver never became ready");
        await endpoint.Stop();

        await WaitForStatusAsync(http, "health/ready", HttpStatusCode.ServiceUnavailable, "not ready once the consumer stopped");
        var health = app.Services.GetRequiredService<HealthCheckService>();
        var ready = await health.CheckHealthAsync(r => r.Name == WorkQueueConsumersHealthCheck.ReadinessName);
        Assert.Contains(QueueNames.Deliver, ready.Entries[WorkQueueConsumersHealthCheck.ReadinessName].Description, StringComparison.Ordinal);
        await WaitForStatusAsync(http, "health/live", HttpStatusCode.ServiceUnavailable, "not live after the recovery timeout");
        var live = await health.CheckHealthAsync(r => r.Name == WorkQueueConsumersHealthCheck.LivenessName);
        Assert.Contains("RecoveryTimeout", live.Entries[WorkQueueConsumersHealthCheck.LivenessName].Description, StringComparison.Ordinal);

        endpoint.Start();
        await WaitForStatusAsync(http, "health/ready", HttpStatusCode.OK, "ready again once the consumer is back");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await app.StopAsync(stop.Token);
    }

    private static async Task<string> WaitForStatusAsync(HttpClient http, string path, HttpStatusCode expected, string what)
    {
        var body = "";
        var last = (HttpStatusCode)0;
        await Eventually.HoldsAsync(
            async () =>
            {
                using var response = await http.GetAsync(path);
                last = response.StatusCode;
                body = await response.Content.ReadAsStringAsync();
                return last == expected;
            },
            TimeSpan.FromSeconds(90),
            () => $"{path}: expected {(int)expected} ({what}), last {(int)last}: {body}");
        return body;
    }

    /// <summary>Remembers the <c>smime-deliver</c> receive endpoint, so that the test can stop it as an operator or a fault would.</summary>
    private sealed class EndpointCapture : IReceiveEndpointObserver
    {
        public IReceiveEndpoint? Deliver { get; private set; }

        public Task Ready(ReceiveEndpointReady ready)
        {
            if (ready.InputAddress.AbsolutePath.EndsWith("/" + QueueNames.Deliver, StringComparison.Ordinal))
            {
                Deliver = ready.ReceiveEndpoint;
            }

            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

        public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
    }
}
