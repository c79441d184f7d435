using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 15: the ESP accepted a mail and the broker keeps refusing its <see cref="EmailDelivered"/> (write permission on
/// the event's exchange withheld: <c>ACCESS_REFUSED</c>). Session 14 left it untested: the mail ended at
/// <c>RabbitMq:DeliveryLimit</c> (or the ladder's end) reported as <em>failed</em>, with an <see cref="EmailDeliveryFailed"/>,
/// though the recipient had it; a user reading that would send it again. Now it is reported as what it is: delivered, only its
/// event missing (<c>delivered-event-refused</c>, one log line, the metric, <c>smime-deliver_error</c>), no
/// <see cref="EmailDeliveryFailed"/>, one ESP request; and <c>smime dlq requeue</c> publishes the event without a second one.
/// Real RabbitMQ 3.10 (quorum queues), the SparkPost fake.
/// </summary>
public sealed class DeliveredEventRefusedTests : SparkPostBrokerTest
{
    private const string ErrorQueue = QueueNames.Deliver + "_error";

    // MassTransit's exchange for the event (its default entity name: namespace:type).
    private static readonly string DeliveredExchange = EventNacker.ExchangeOf<EmailDelivered>();

    private readonly RecordingLoggerProvider _logs = new();

    [Fact]
    public async Task A_delivered_mail_whose_EmailDelivered_the_broker_keeps_refusing_is_reported_delivered_and_dlq_requeue_publishes_the_event_without_an_esp_call()
    {
        // ACCESS_REFUSED closes the channel the event goes out on: since session 19 the bus's own, not the consume's, so the
        // delivery stays and the sender's short retries each publish again from the ledger's record, and the last one reports
        // it, as for a nack. Before, the refusal closed the consume's channel: the message came back until
        // RabbitMq:DeliveryLimit ("the message came back 4 times at deliver"), where the filter found it accepted in the ledger.
        await AssertDeliveredWithEventMissingAsync(
            "access-refused",
            () => VirtualHost.WithholdWriteAsync(DeliveredExchange),
            () => VirtualHost.AllowWriteAsync(),
            "Only its EmailDelivered event is missing: RabbitMQ",
            nackedCopiesArrive: false);
    }

    [Fact]
    public async Task A_delivered_mail_whose_EmailDelivered_the_broker_keeps_nacking_is_reported_delivered_by_the_sender_after_its_short_retries()
    {
        // A nack (a queue bound to the event's exchange at its length limit, x-overflow reject-publish) leaves the channel
        // open: the sender's short retries each publish again from the ledger's record, and the last one reports it.
        EventNacker? nacker = null;
        try
        {
            await AssertDeliveredWithEventMissingAsync(
                "nack",
                async () => nacker = await EventNacker.BindAsync<EmailDelivered>(VirtualHost.AmqpUri, "test-delivered-events-full"),
                () => nacker!.DeleteAsync(),
                "Only its EmailDelivered event is missing: RabbitMQ",
                nackedCopiesArrive: true);
        }
        finally
        {
            if (nacker is not null)
            {
                await nacker.DisposeAsync();
            }
        }
    }

    // Runs one mail with the EmailDelivered event refused by `refuse`, and checks that it is reported as delivered (reason
    // containing `reasonFragment`), never as failed; then `allow`s the event and has smime dlq requeue publish it. A nack
    // from one queue does not take the message back from the others the exchange routed it to: with `nackedCopiesArrive`
    // the test's own event queue gets a copy per refused try, and requeue adds one more.
    private async Task AssertDeliveredWithEventMissingAsync(string name, Func<Task> refuse, Func<Task> allow, string reasonFragment, bool nackedCopiesArrive)
    {
        await using var failed = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, $"test-{name}-failed");
        await using var delivered = await EventCollector.StartAsync<EmailDelivered>(VirtualHost.AmqpUri, $"test-{name}-delivered");
        await using var worker = await WorkerHost.StartAsync(
            BothRolesOnSparkPost(
            [
                ("SmimePipeline:Signer:DeliverInProcess", "Off"),
                ("SmimePipeline:Sender:BreakerFailureThreshold", "1000"),
                ("SmimePipeline:Sender:RetrySchedule", "1s,2s"),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03"),
                ("SmimePipeline:RabbitMq:DeliveryLimit", "3"),
            ]),
            builder => builder.Logging.AddProvider(_logs));
        await refuse();
        var mail = OneRecipientMail();
        var id = mail.MailId.ToString("D");

        await PublishAsync(mail);

        var line = $"Mail {id} was delivered, but RabbitMQ did not take its EmailDelivered event";
        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(ErrorQueue)) == 1 && Output().Contains(line, StringComparison.Ordinal),
            TimeSpan.FromSeconds(240),
            () => $"{parked} in {ErrorQueue}, ESP requests: {Requests(mail)}, failure events: {failed.Failed.Count}\n{Output()}");

        // Delivered once, and reported as delivered: no failure event, nothing in smime-deliver-dead, no "dead-lettered" line.
        Assert.True(Requests(mail) == 1, $"ESP requests: {Requests(mail)}\n{Output()}");
        Assert.True(Esp.AcceptedByMailId.TryGetValue(id, out var accepted) && accepted == 1, "the ESP did not accept the mail once");
        Assert.DoesNotContain(failed.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));
        Assert.DoesNotContain(_logs.Lines, l => l.Contains($"Mail {id} dead-lettered", StringComparison.Ordinal));
        var reportLine = Assert.Single(_logs.Lines, l => l.Contains(line, StringComparison.Ordinal));
        Assert.Contains($"{DeliveredEventRefused.ReasonCode}: Delivered: sparkpost accepted the mail (id ", reportLine, StringComparison.Ordinal);
        Assert.Contains(reasonFragment, reportLine, StringComparison.Ordinal);
        Assert.Contains("Do not send it again", reportLine, StringComparison.Ordinal);
        Assert.Equal(1, worker.Telemetry.DeliveredTotal);
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith(DeliveredEventRefused.ReasonCode + ": Delivered", fault, StringComparison.Ordinal);
        var beforeRequeue = delivered.Received.Count;
        Assert.True(nackedCopiesArrive ? beforeRequeue >= 1 : beforeRequeue == 0, $"{beforeRequeue} EmailDelivered copies before requeue");
        // Quorum queues: the worker has nothing to warn about at start (DeliveryLimitClassicQueueTests has the warning).
        Assert.DoesNotContain(_logs.Lines, l => l.Contains("does nothing on", StringComparison.Ordinal));

        // smime dlq names it by its code; requeue, with the broker taking the event again, publishes EmailDelivered from the
        // ledger's record, and the ESP is not called a second time.
        var broker = VirtualHost.AmqpUri.ToString();
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.True(
            list.StdoutText.Split('\n').Any(l => l.StartsWith(id, StringComparison.Ordinal) && l.Contains(DeliveredEventRefused.ReasonCode, StringComparison.Ordinal)),
            $"smime dlq list has no line for {id} with {DeliveredEventRefused.ReasonCode}:\n{list.StdoutText}");
        await allow();
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", id, "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await Eventually.HoldsAsync(
            () => Task.FromResult(delivered.Received.Count(d => d.MailId == mail.MailId) > beforeRequeue),
            TimeSpan.FromSeconds(90),
            () => $"no EmailDelivered after requeue; ESP requests: {Requests(mail)}\n{Output()}");
        if (!nackedCopiesArrive)
        {
            Assert.Single(delivered.Received, d => d.MailId == mail.MailId);
        }

        var deliveredEvent = delivered.Received.Last();
        Assert.Equal("sparkpost", deliveredEvent.Provider);
        Assert.False(string.IsNullOrEmpty(deliveredEvent.ProviderMessageId), "the event does not carry the ESP's id from the ledger");
        Assert.Equal(1, Requests(mail));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(ErrorQueue));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(QueueNames.Deliver));
        Assert.DoesNotContain(failed.Failed, f => f.MailId == mail.MailId);
    }

    private string Output() => string.Join('\n', _logs.Lines);

    private int Requests(ProtectEmail mail) => Esp.Requests.Count(r => r.MailId == mail.MailId.ToString("D"));
}
