using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 14: a mail whose tries end neither acknowledged nor routed ends visibly. Session 13 found it looping: with the
/// first rung's write permission withheld (<c>ACCESS_REFUSED</c>) and the ESP down, the mail came back to
/// <c>smime-deliver</c> after each bounded ladder send and was handed to the ESP again (51 requests in 120 s), never
/// reported. Now the work queue's filter counts the broker's deliveries (<c>x-delivery-count</c>) and stops the mail at
/// <c>RabbitMq:DeliveryLimit</c> (<c>delivery-limit</c>: event, one log line, metric, <c>smime-deliver_error</c>); when even
/// the error queue refuses it, the broker's own <c>delivery-limit</c> policy from <c>deploy/rabbitmq/definitions.json</c> parks
/// it there. And a nack (a queue at its length limit) of the dead-letter queue's copy is reported as <c>broker-refused</c>
/// without a second ESP call. In every case <c>smime dlq requeue</c> gives the mail back and it is delivered once.
/// Real RabbitMQ 3.10 (quorum queues), the SparkPost fake.
/// </summary>
public sealed class DeliveryLimitTests : SparkPostBrokerTest
{
    private const string ErrorQueue = QueueNames.Deliver + "_error";

    private readonly RecordingLoggerProvider _logs = new();

    [Fact]
    public async Task A_mail_whose_retry_rung_refuses_it_stops_at_the_delivery_limit_is_reported_and_dlq_requeue_delivers_it()
    {
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-delivery-limit-events");
        await using var worker = await StartWorkerAsync(("SmimePipeline:RabbitMq:DeliveryLimit", "3"), ("SmimePipeline:Sender:RetrySchedule", "1s,2s"));
        await VirtualHost.WithholdWriteAsync(RetryLadderTopology.RungName(1));
        Esp.Down = true;
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await WaitUntilParkedAsync(events, mail, TimeSpan.FromSeconds(150));
        var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(FailureStage.Deliver, reported.Stage);
        Assert.Equal(DeliveryLimit.ReasonCode, reported.ReasonCode);
        Assert.Contains("Delivered 4 times at deliver (RabbitMq:DeliveryLimit 3)", reported.Reason, StringComparison.Ordinal);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at deliver: {DeliveryLimit.ReasonCode}: ", "the mail stopped at the delivery limit");
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith(DeliveryLimit.ReasonCode + ": ", fault, StringComparison.Ordinal);
        // One ESP request per delivery before the limit (counts 0, 1, 2); the fourth delivery does not reach the consumer.
        await AssertRequestsStayAsync(mail, 3);

        await AssertDeliveredAfterRequeueAsync(worker, mail, DeliveryLimit.ReasonCode);
    }

    [Fact]
    public async Task A_mail_the_error_queue_refuses_too_is_parked_by_the_brokers_delivery_limit_policy_from_definitions_json()
    {
        // The deployed topology with its policies; the broker's limit lowered from 20 to 4 to keep the test short.
        var topology = await DeployedBrokerDefinitions.LoadAsync();
        var policy = topology["policies"]!.AsArray().Single(p => p!["pattern"]!.GetValue<string>() == $"^{QueueNames.Deliver}$")!;
        Assert.Equal(ErrorQueue, policy["definition"]!["dead-letter-exchange"]!.GetValue<string>());
        policy["definition"]!["delivery-limit"] = 4;
        await VirtualHost.ImportDefinitionsAsync(topology.ToJsonString());
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-broker-limit-events");
        // The deployed schedule (the rungs exist as definitions.json declares them); the worker's limit below the broker's.
        await using var worker = await StartWorkerAsync(("SmimePipeline:RabbitMq:DeliveryLimit", "2"));
        await VirtualHost.WithholdWriteAsync([RetryLadderTopology.RungName(1), RetryLadderTopology.DeadLetterQueue, ErrorQueue]);
        Esp.Down = true;
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await WaitUntilParkedAsync(events, mail, TimeSpan.FromSeconds(180));
        var parked = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers");
        Assert.Equal("delivery_limit", parked.GetProperty("x-first-death-reason").GetString());
        Assert.Equal(QueueNames.Deliver, parked.GetProperty("x-first-death-queue").GetString());
        Assert.False(parked.TryGetProperty("MT-Fault-Message", out _), "the broker, not MassTransit, was to park it");
        // Reported once, at the worker's limit; the deliveries after it (refused by the error queue) are not reported again.
        var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(DeliveryLimit.ReasonCode, reported.ReasonCode);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at deliver: {DeliveryLimit.ReasonCode}: ", "the mail the broker parked");
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        await AssertRequestsStayAsync(mail, 2);

        await VirtualHost.AllowWriteAsync();
        await AssertDeliveredAfterRequeueAsync(worker, mail, DeliveryLimit.ReasonCode);
    }

    [Fact]
    public async Task A_nack_of_the_dead_letter_queues_copy_is_reported_as_broker_refused_without_a_second_esp_call()
    {
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-nack-events");
        await using var worker = await StartWorkerAsync();
        // smime-deliver-dead full: x-overflow reject-publish (set by policy with the length) nacks the next copy.
        await VirtualHost.FillToItsLimitAsync(RetryLadderTopology.DeadLetterQueue);
        Esp.FailNext(1, 413);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await WaitUntilParkedAsync(events, mail, TimeSpan.FromSeconds(90));
        var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(BrokerSendRefusedException.Code, reported.ReasonCode);
        Assert.Contains($"for {RetryLadderTopology.DeadLetterQueue}", reported.Reason, StringComparison.Ordinal);
        Assert.Contains("Not handed to the ESP again", reported.Reason, StringComparison.Ordinal);
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at deliver: {BrokerSendRefusedException.Code}: ", "the nacked dead letter");
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        Assert.Equal(1, await VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));
        await AssertRequestsStayAsync(mail, 1);

        await AssertDeliveredAfterRequeueAsync(worker, mail, BrokerSendRefusedException.Code);
    }

    [Fact]
    public async Task A_signer_whose_deliver_email_the_broker_refuses_stops_at_the_delivery_limit_and_dlq_requeue_delivers_it()
    {
        const string protectError = QueueNames.Protect + "_error";
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-signer-limit-events");
        await using var worker = await StartWorkerAsync(("SmimePipeline:RabbitMq:DeliveryLimit", "3"));
        // The signer's hand-over to the senders is refused: the same loop as the sender's, protecting the mail each time.
        await VirtualHost.WithholdWriteAsync(QueueNames.Deliver);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(protectError)) == 1 && events.Failed.Any(f => f.MailId == mail.MailId),
            TimeSpan.FromSeconds(150),
            () => $"{parked} in {protectError}, {events.Failed.Count} events\n{Output()}");
        var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
        Assert.Equal(FailureStage.Protect, reported.Stage);
        Assert.True(reported.ReasonCode == DeliveryLimit.ReasonCode, $"{reported.ReasonCode}: {reported.Reason}\n{Output()}");
        await DeadLetterLog.AssertOneLineAsync(Output, $"Mail {mail.MailId:D} dead-lettered at protect: {DeliveryLimit.ReasonCode}: ", "the signer's mail at the delivery limit");
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(QueueNames.Deliver));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(QueueNames.Protect));
        Assert.Empty(Esp.Requests);

        await VirtualHost.AllowWriteAsync();
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", mail.MailId.ToString("D"), "--queue", protectError, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await Eventually.HoldsAsync(
            () => Task.FromResult(Esp.AcceptedByMailId.TryGetValue(mail.MailId.ToString("D"), out var accepted) && accepted == 1),
            TimeSpan.FromSeconds(90),
            () => $"the requeued mail was not delivered; ESP requests: {Requests(mail)}\n{Output()}");
        Assert.Equal(1, Requests(mail));
    }

    private string Output() => string.Join('\n', _logs.Lines);

    private int Requests(ProtectEmail mail) => Esp.Requests.Count(r => r.MailId == mail.MailId.ToString("D"));

    // The mail is in smime-deliver_error and its EmailDeliveryFailed has arrived.
    private Task WaitUntilParkedAsync(FailureEventCollector events, ProtectEmail mail, TimeSpan within)
    {
        var parked = 0;
        return Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(ErrorQueue)) == 1 && events.Failed.Any(f => f.MailId == mail.MailId),
            within,
            () => $"{parked} in {ErrorQueue}, {events.Failed.Count} events, ESP requests: {Requests(mail)}\n{Output()}");
    }

    // The ESP saw exactly `expected` requests for the mail, and no more come: the loop has ended.
    private async Task AssertRequestsStayAsync(ProtectEmail mail, int expected)
    {
        Assert.True(Requests(mail) == expected, $"ESP requests: {Requests(mail)}, expected {expected}\n{Output()}");
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.True(Requests(mail) == expected, $"the ESP was called again after the mail was parked: {Requests(mail)}\n{Output()}");
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(QueueNames.Deliver));
    }

    // smime dlq lists the mail with its reason code; requeue gives it back to smime-deliver, and with the ESP up it is
    // delivered once, nothing left in the error queue.
    private async Task AssertDeliveredAfterRequeueAsync(WorkerHost worker, ProtectEmail mail, string reasonCode)
    {
        var broker = VirtualHost.AmqpUri.ToString();
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.True(
            list.StdoutText.Split('\n').Any(l => l.StartsWith(mail.MailId.ToString("D"), StringComparison.Ordinal) && l.Contains(reasonCode, StringComparison.Ordinal)),
            $"smime dlq list has no line for {mail.MailId} with {reasonCode}:\n{list.StdoutText}");

        await VirtualHost.AllowWriteAsync();
        Esp.Down = false;
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", mail.MailId.ToString("D"), "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await Eventually.HoldsAsync(
            () => Task.FromResult(Esp.AcceptedByMailId.TryGetValue(mail.MailId.ToString("D"), out var accepted) && accepted == 1),
            TimeSpan.FromSeconds(90),
            () => $"the requeued mail was not delivered; ESP requests: {Requests(mail)}\n{Output()}");
        // The ESP's fake counts the mail when it answers; the worker counts it a moment later, once the attempt has ended
        // (ledger, EmailDelivered): wait for that, then require exactly one.
        await Eventually.HoldsAsync(
            () => Task.FromResult(worker.Telemetry.DeliveredTotal >= 1),
            TimeSpan.FromSeconds(60),
            () => $"the worker never counted the requeued mail as delivered\n{Output()}");
        Assert.Equal(1, worker.Telemetry.DeliveredTotal);
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync(ErrorQueue));
    }

    // Both roles on the SparkPost fake, every mail through smime-deliver, the send bound at 3 s, no breaker.
    private Task<WorkerHost> StartWorkerAsync(params (string Key, string? Value)[] more) =>
        WorkerHost.StartAsync(
            BothRolesOnSparkPost(
            [
                ("SmimePipeline:Signer:DeliverInProcess", "Off"),
                ("SmimePipeline:Sender:BreakerFailureThreshold", "1000"),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03"),
                .. more,
            ]),
            builder => builder.Logging.AddProvider(_logs));
}
