using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>On the in-memory transport (demo) the ladder degrades to in-process timers with the same schedule.</summary>
public sealed class InMemoryRetryTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _temp = new();
    private SparkPostFake _fake = null!;

    public async Task InitializeAsync() => _fake = await SparkPostFake.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_transient_failure_is_retried_after_the_first_rung_in_process()
    {
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Sender",
            ["SmimePipeline:Transport"] = "InMemory",
            ["SmimePipeline:Sender:RetrySchedule"] = "1s,2s",
            ["SmimePipeline:Sender:ImmediateRetries"] = "",
            ["SmimePipeline:Delivery:Provider"] = "sparkpost",
            ["SmimePipeline:Delivery:SparkPost:BaseUrl"] = _fake.BaseUrl.ToString(),
            ["SmimePipeline:Delivery:SparkPost:ApiKey"] = _fake.ApiKey,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = _temp.File("ledger.db"),
        });
        _fake.FailNext(1, 502);
        var mail = DeliveryRig.Mail();

        var endpoint = await worker.Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{QueueNames.Deliver}"));
        await endpoint.Send(mail);

        await Eventually.HoldsAsync(
            () => Task.FromResult(_fake.AcceptedByMailId.ContainsKey(mail.MailId.ToString("D"))),
            TimeSpan.FromSeconds(20),
            () => "the mail was not retried in process");
        var times = _fake.Requests.Where(r => r.MailId == mail.MailId.ToString("D")).Select(r => r.ReceivedAt).ToList();
        Assert.Equal(2, times.Count);
        Assert.InRange((times[1] - times[0]).TotalSeconds, 0.95, 3);
    }
}
