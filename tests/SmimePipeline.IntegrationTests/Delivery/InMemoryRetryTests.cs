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
            ["SmimePipeline:Sender:RetrySchedule"] = "1s,30s",
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
            TimeSpan.FromSeconds(45),
            () => "the mail was not retried in process");
        var times = _fake.Requests.Where(r => r.MailId == mail.MailId.ToString("D")).Select(r => r.ReceivedAt).ToList();
        Assert.Equal(2, times.Count);
        // After the first rung (1 s), not the second (30 s): before session 15 the bound was 3 s, a wall-clock figure a loaded
        // machine could pass; the rungs' spacing now leaves 29 s for the timer and the consume.
        var gap = (times[1] - times[0]).TotalSeconds;
        Assert.True(gap is >= 0.95 and < 29.95, $"the retry came {gap:F2} s after the first attempt: not the first rung (1 s)");
    }
}
