using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 17 (left open by session 16's audit): a failure nobody inside reported reaches the work queue's
/// <c>UnreportedFailureFilter</c>, which reports it (line, metric) and publishes its <see cref="EmailDeliveryFailed"/>; the
/// broker refuses that publish too. Before, the publish's <see cref="BrokerSendRefusedException"/> left the filter: the message
/// went to <c>smime-deliver_error</c> with that exception's sentence as its <c>MT-Fault-Message</c> (not <c>code: reason</c>)
/// and without line 1018, which every other path whose event is refused writes. Real RabbitMQ 3.10: <c>smime-deliver-dead</c>
/// full (the sender's dead letter nacked: <c>broker-refused</c>, reported by the filter) and a queue bound to the event's
/// exchange full (the event nacked), the SparkPost fake answering 413.
/// </summary>
public sealed class FilterEventRefusedTests : SparkPostBrokerTest
{
    private const string ErrorQueue = QueueNames.Deliver + "_error";

    private readonly RecordingLoggerProvider _logs = new();

    /// <summary>
    /// The event nacked (a queue bound to its exchange full), or refused by closing the channel (write permission withheld:
    /// <c>ACCESS_REFUSED</c>, session 19). Before session 19 the closing refusal took the consume's channel and the message's
    /// delivery with it: the move to <c>smime-deliver_error</c> failed, the message came back and went to the ESP again.
    /// </summary>
    [Theory]
    [InlineData("nack")]
    [InlineData("access-refused")]
    public async Task A_failure_the_filter_reports_keeps_its_reason_and_writes_line_1018_when_the_broker_refuses_its_event(string refusal)
    {
        await using var worker = await WorkerHost.StartAsync(
            BothRolesOnSparkPost(
                ("SmimePipeline:Signer:DeliverInProcess", "Off"),
                ("SmimePipeline:Sender:BreakerFailureThreshold", "1000"),
                ("SmimePipeline:RabbitMq:SendTimeout", "00:00:03")),
            builder => builder.Logging.AddProvider(_logs));
        await VirtualHost.FillToItsLimitAsync(RetryLadderTopology.DeadLetterQueue);
        await using var failureEvents = await EventNacker.BindAsync<EmailDeliveryFailed>(VirtualHost.AmqpUri, "test-failure-events-full");
        if (refusal == "access-refused")
        {
            await VirtualHost.WithholdWriteAsync(EventNacker.ExchangeOf<EmailDeliveryFailed>());
        }

        Esp.FailNext(1, 413);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        var parked = 0;
        await Eventually.HoldsAsync(
            async () => (parked = await VirtualHost.CountMessagesNowAsync(ErrorQueue)) == 1,
            TimeSpan.FromSeconds(90),
            () => $"{parked} in {ErrorQueue}, ESP requests: {Esp.Requests.Count}\n{Output()}");
        await DeadLetterLog.AssertOneLineAsync(
            Output, $"Mail {mail.MailId:D} dead-lettered at deliver: {BrokerSendRefusedException.Code}: ", "the filter's report");
        await DeadLetterLog.AssertOneLineAsync(
            Output,
            $"Mail {mail.MailId:D} dead-lettered at deliver as {BrokerSendRefusedException.Code} (reported above), but its EmailDeliveryFailed event could not be published ({nameof(BrokerSendRefusedException)})",
            "the filter's refused event (1018)");
        var fault = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5)).GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
        Assert.StartsWith($"{BrokerSendRefusedException.Code}: ", fault, StringComparison.Ordinal);
        Assert.Contains($"for {RetryLadderTopology.DeadLetterQueue}", fault, StringComparison.Ordinal);
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        Assert.Single(Esp.Requests);
        // The message does not come back: no second ESP request (the fake would accept it), no second report.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Single(Esp.Requests);
        Assert.Equal(1, worker.Telemetry.FailedTotal);
        Assert.Equal(1, await VirtualHost.CountMessagesNowAsync(ErrorQueue));
    }

    private string Output() => string.Join('\n', _logs.Lines);
}
