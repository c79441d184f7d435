using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 19 (left open by session 18): the broker refuses <see cref="EmailDeliveryFailed"/> by closing the channel (write
/// permission on the event's exchange withheld: <c>ACCESS_REFUSED</c>). MassTransit 8.5 publishes from a receive endpoint on
/// its consume channel, so the refusal took the message's unacknowledged delivery with it: at protect the command came
/// back and was refused and reported again at each delivery until <c>RabbitMq:DeliveryLimit</c>; at deliver the mail came
/// back after it was in <c>smime-deliver-dead</c> and went to the ESP again. The events now go out on the bus's own channel
/// (<c>MailEventPublisher</c>): the refusal closes that one, and the message ends where a nacked event leaves it, once —
/// its queue's <c>_error</c> queue (protect) or <c>smime-deliver-dead</c> (deliver) with its own reason, one dead-letter
/// line, line 1018 for the missing event, one count. Real RabbitMQ 3.10 (quorum queues), the SparkPost fake.
/// </summary>
public sealed class FailureEventRefusedTests : SparkPostBrokerTest
{
    private static readonly string FailedExchange = EventNacker.ExchangeOf<EmailDeliveryFailed>();

    private readonly RecordingLoggerProvider _logs = new();

    /// <summary>
    /// A command refused at protect: by the intake's field check (<c>SignerRefusals</c>: no From) and by the
    /// missing-certificate policy (<c>MailProtectionHandler</c>: a recipient without a certificate).
    /// </summary>
    [Theory]
    [InlineData("no-from", "invalid-message")]
    [InlineData("no-certificate", "recipient-certificate-missing")]
    public async Task A_mail_refused_at_protect_whose_EmailDeliveryFailed_the_broker_refuses_by_closing_the_channel_ends_in_smime_protect_error_once(string what, string code)
    {
        const string errorQueue = QueueNames.Protect + "_error";
        await using var worker = await StartWorkerAsync("Off");
        await VirtualHost.WithholdWriteAsync(FailedExchange);
        var mail = what == "no-from"
            ? OneRecipientMail() with { From = new MailAddress(" ") }
            : OneRecipientMail() with { To = [new MailAddress("nobody@" + DemoPki.Domain)] };

        await PublishAsync(mail);

        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(errorQueue)) == 1 && Output().Contains(EventRefusedLine(mail, "protect", code), StringComparison.Ordinal),
            TimeSpan.FromSeconds(90),
            () => $"{parked} in {errorQueue}\n{Output()}");
        // Give a redelivery time to show: the bound of a refused publish is 3 s.
        await Task.Delay(TimeSpan.FromSeconds(8));

        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect: {code}: ", "the refusal's report");
        await DeadLetterLog.AssertOneLineAsync(Output, EventRefusedLine(mail, "protect", code), "the refused event (1018)");
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        Assert.Equal(0, worker.Telemetry.ProtectedTotal);
        var fault = Assert.Single(await VirtualHost.PeekAsync(errorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith($"{code}: ", fault, StringComparison.Ordinal);
        Assert.Empty(Esp.Requests);
    }

    /// <summary>
    /// A mail the ESP refuses for good (413), from <c>smime-deliver</c> and in the signer's process: it is in
    /// <c>smime-deliver-dead</c> before its event is refused, and stays there alone; the ESP sees it once.
    /// </summary>
    [Theory]
    [InlineData("Off", QueueNames.Deliver + "_error")]
    [InlineData("WaitForPlace", QueueNames.Protect + "_error")]
    public async Task A_mail_dead_lettered_at_deliver_whose_EmailDeliveryFailed_the_broker_refuses_by_closing_the_channel_stays_in_smime_deliver_dead_once(string inProcess, string errorQueue)
    {
        await using var worker = await StartWorkerAsync(inProcess);
        await VirtualHost.WithholdWriteAsync(FailedExchange);
        Esp.FailNext(1, 413);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue) == 1,
            TimeSpan.FromSeconds(60),
            () => $"not in smime-deliver-dead; ESP requests: {Esp.Requests.Count}\n{Output()}");
        var code = Assert.Single(await VirtualHost.PeekAsync(RetryLadderTopology.DeadLetterQueue, 5))
            .GetProperty("properties").GetProperty("headers").GetProperty(SenderHeaders.ReasonCode).GetString()!;
        var reportLine = $"Mail {mail.MailId:D} dead-lettered at deliver: {code}: ";
        var missingEvent = inProcess == "Off"
            ? EventRefusedLine(mail, "deliver", code)
            : $"Mail {mail.MailId:D} dead-lettered at deliver as {code} in the signer's process (reported above), but its EmailDeliveryFailed event could not be published ({nameof(BrokerSendRefusedException)}); the mail stays in smime-deliver-dead and is not handed to smime-deliver";
        await Eventually.HoldsAsync(
            async () => Output().Contains(missingEvent, StringComparison.Ordinal)
                && await VirtualHost.CountMessagesAsync(QueueNames.Deliver) == 0
                && await VirtualHost.CountMessagesAsync(QueueNames.Protect) == 0,
            TimeSpan.FromSeconds(120),
            () => $"ESP requests: {Esp.Requests.Count}\n{Output()}");
        await Task.Delay(TimeSpan.FromSeconds(8));

        await DeadLetterLog.AssertOneLineAsync(Output, reportLine, "the ESP's refusal");
        await DeadLetterLog.AssertOneLineAsync(Output, missingEvent, "the refused event");
        Assert.True(Esp.Requests.Count == 1, $"ESP requests: {Esp.Requests.Count}\n{Output()}");
        Assert.Equal(1, await VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(errorQueue));
        Assert.Equal(0, worker.Telemetry.DeliveredTotal);
        Assert.Equal(1, worker.Telemetry.FailedTotal);
    }

    /// <summary>
    /// Session 22: a body MassTransit cannot read never reaches a consumer; its <c>EmailDeliveryFailed</c> (published by the
    /// receive fault's observer) went through the bus with only the receive's token, so MassTransit retried the refused
    /// publish for hours and no line said the event was missing. It is bounded by <c>RabbitMq:SendTimeout</c> now: the
    /// command is in <c>smime-protect_error</c> once, its dead-letter line and line 1018 are written once each.
    /// </summary>
    [Fact]
    public async Task An_unreadable_command_whose_EmailDeliveryFailed_the_broker_refuses_ends_in_smime_protect_error_with_line_1018_within_the_bound()
    {
        const string errorQueue = QueueNames.Protect + "_error";
        await using var worker = await StartWorkerAsync("Off");
        await VirtualHost.WithholdWriteAsync(FailedExchange);
        var mailId = Guid.NewGuid();

        await VirtualHost.PublishRawAsync(
            QueueNames.Protect,
            UnreadableMessageRoutingTests.Envelope(mailId, """{"to":[{"address":"a@example.com"}],"subject":"x"}"""),
            "application/vnd.masstransit+json");

        var missingEvent = $"Mail {mailId:D} dead-lettered at protect as unreadable-message (reported above), but its EmailDeliveryFailed event could not be published ({nameof(BrokerSendRefusedException)})";
        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(errorQueue)) == 1 && Output().Contains(missingEvent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            () => $"{parked} in {errorQueue}\n{Output()}");
        await Task.Delay(TimeSpan.FromSeconds(8));

        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mailId:D} dead-lettered at protect: unreadable-message: ", "the unreadable command's report");
        await DeadLetterLog.AssertOneLineAsync(Output, missingEvent, "the refused event (1018)");
        Assert.Equal(1, await VirtualHost.CountMessagesNowAsync(errorQueue));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(QueueNames.Protect));
        Assert.Empty(Esp.Requests);
    }

    private static string EventRefusedLine(ProtectEmail mail, string stage, string code) =>
        $"Mail {mail.MailId:D} dead-lettered at {stage} as {code} (reported above), but its EmailDeliveryFailed event could not be published ({nameof(BrokerSendRefusedException)})";

    private string Output() => string.Join('\n', _logs.Lines);

    private Task<WorkerHost> StartWorkerAsync(string inProcess) =>
        WorkerHost.StartAsync(
            BothRolesOnSparkPost(
                ("SmimePipeline:Signer:DeliverInProcess", inProcess),
                ("SmimePipeline:Sender:BreakerFailureThreshold", "1000"),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03"),
                ("SmimePipeline:RabbitMq:DeliveryLimit", "3")),
            builder => builder.Logging.AddProvider(_logs));
}
