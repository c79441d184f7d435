using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing.SparkPost;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 13, item 3: RabbitMQ refusing the retry ladder's send. The first rung's exchange loses the write permission
/// (<c>ACCESS_REFUSED</c>, which closes the channel; MassTransit 8.5 retries such a send up to 1,000 times, 3–30 s apart),
/// the SparkPost fake answers 503 to every request. With <c>RabbitMq:SendTimeout</c> bounding the send, each try's routing
/// fails after the bound, MassTransit's short retries run, and the last failure is reported by the endpoint's filter and
/// ends in <c>smime-deliver_error</c>, once, with its reason: visible, and nothing lost.
/// </summary>
public sealed class LadderSendRefusedTests : BrokerTest, IAsyncLifetime
{
    private SparkPostFake _esp = null!;

    [Fact]
    public async Task A_mail_whose_retry_rung_refuses_it_ends_in_the_error_queue_reported_once_instead_of_waiting_without_end()
    {
        var logs = new RecordingLoggerProvider();
        string Output() => string.Join('\n', logs.Lines);
        await using var worker = await WorkerHost.StartAsync(Settings(), builder => builder.Logging.AddProvider(logs));
        await VirtualHost.WithholdWriteAsync(RetryLadderTopology.RungName(1));
        _esp.FailNext(50, 503);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await Eventually.HoldsAsync(
            async () => await VirtualHost.QueueExistsAsync($"{QueueNames.Deliver}_error") && (await VirtualHost.PeekAsync($"{QueueNames.Deliver}_error", 10)).Count == 1,
            TimeSpan.FromSeconds(120),
            () => $"the mail did not reach smime-deliver_error; ESP requests: {_esp.Requests.Count}\n{Output()}");
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at deliver: unexpected-error: ", "the mail the rung refused");
        var fault = Assert.Single(await VirtualHost.PeekAsync($"{QueueNames.Deliver}_error", 10)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString();
        Assert.StartsWith("unexpected-error: ", fault, StringComparison.Ordinal);
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(RetryLadderTopology.RungName(1)));
        Assert.False(await VirtualHost.QueueExistsAsync(RetryLadderTopology.DeadLetterQueue) && (await VirtualHost.PeekAsync(RetryLadderTopology.DeadLetterQueue, 10)).Count > 0, "the mail is in smime-deliver-dead as well");
    }

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        _esp = await SparkPostFake.StartAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await _esp.DisposeAsync();
        await DisposeAsync();
    }

    // Both roles in one process, every mail through smime-deliver, SparkPost (the fake), a short send bound, no breaker.
    private Dictionary<string, string?> Settings() =>
        WorkerSettings(
            "Signer",
            Path.Combine(Temp.Path, "outbox"),
            [
                ("SmimePipeline:Roles", "Signer,Sender"),
                ("SmimePipeline:Signer:DeliverInProcess", "Off"),
                ("SmimePipeline:ClaimCheck:Directory", Path.Combine(Temp.Path, "claims")),
                ("SmimePipeline:Delivery:Provider", "sparkpost"),
                ("SmimePipeline:Delivery:SparkPost:BaseUrl", _esp.BaseUrl.ToString()),
                ("SmimePipeline:Delivery:SparkPost:ApiKey", _esp.ApiKey),
                ("SmimePipeline:Delivery:Ledger:SqlitePath", Path.Combine(Temp.Path, "ledger.db")),
                ("SmimePipeline:Sender:ImmediateRetries", ""),
                ("SmimePipeline:Sender:RetrySchedule", "1s,2s"),
                ("SmimePipeline:Sender:BreakerFailureThreshold", "1000"),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03"),
            ]);
}
