using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 13, item 3: RabbitMQ refusing the retry ladder's send. The first rung's exchange loses the write permission
/// (<c>ACCESS_REFUSED</c>, which closes the publishing channel; MassTransit 8.5 retries such a send up to 1,000 times,
/// 3–30 s apart, unless the send's token ends it), the SparkPost fake is down (503 to every request). With
/// <c>RabbitMq:SendTimeout</c> bounding the ladder's send, the delivery does not hang on it: the mail comes back to
/// <c>smime-deliver</c> and is tried again (what this test found: it is redelivered and not reported, see README "Every
/// failure is seen"), and once the broker takes the rung's sends again and the ESP is back it is delivered once, with
/// nothing left in an error or dead-letter queue: nothing lost. The delivery limit is off here; <see cref="DeliveryLimitTests"/>
/// shows the same loop ended at it (session 14).
/// </summary>
public sealed class LadderSendRefusedTests : SparkPostBrokerTest
{
    [Fact]
    public async Task A_mail_whose_retry_rung_refuses_it_comes_back_after_the_bounded_send_and_is_delivered_once_the_broker_takes_it()
    {
        var logs = new RecordingLoggerProvider();
        string Output() => string.Join('\n', logs.Lines);
        await using var worker = await WorkerHost.StartAsync(Settings(), builder => builder.Logging.AddProvider(logs));
        await VirtualHost.WithholdWriteAsync(RetryLadderTopology.RungName(1));
        Esp.Down = true;
        var mail = OneRecipientMail();
        int Requests() => Esp.Requests.Count(r => r.MailId == mail.MailId.ToString("D"));

        await PublishAsync(mail);

        // Each try ends its refused send after 3 s; before the bound one try held the mail for MassTransit's whole retry.
        await Eventually.HoldsAsync(
            () => Task.FromResult(Requests() >= 3),
            TimeSpan.FromSeconds(90),
            () => $"the mail did not come back after its refused ladder send; ESP requests: {Requests()}\n{Output()}");
        await VirtualHost.AllowWriteAsync();
        Esp.Down = false;

        await Eventually.HoldsAsync(
            () => Task.FromResult(Esp.AcceptedByMailId.TryGetValue(mail.MailId.ToString("D"), out var accepted) && accepted == 1),
            TimeSpan.FromSeconds(90),
            () => $"the mail was not delivered once the broker and the ESP were back; ESP requests: {Requests()}\n{Output()}");
        Assert.Equal(1, Esp.AcceptedByMailId[mail.MailId.ToString("D")]);
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync($"{QueueNames.Deliver}_error"));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));
    }

    // Every mail through smime-deliver, a short ladder and send bound, no breaker; no delivery limit, so that the mail keeps
    // coming back until the broker takes the sends (DeliveryLimitTests stops it at the limit).
    private Dictionary<string, string?> Settings() =>
        BothRolesOnSparkPost(
            ("SmimePipeline:Signer:DeliverInProcess", "Off"),
            ("SmimePipeline:Sender:RetrySchedule", "1s,2s"),
            ("SmimePipeline:Sender:BreakerFailureThreshold", "1000"),
            ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03"),
            ("SmimePipeline:RabbitMq:DeliveryLimit", "0"));
}
