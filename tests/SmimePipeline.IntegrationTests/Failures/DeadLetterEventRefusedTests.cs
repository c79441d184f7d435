using MassTransit;
using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Failures;

/// <summary>
/// Session 13, item 1: a mail the sender put into <c>smime-deliver-dead</c> ends there once, even when its
/// <see cref="EmailDeliveryFailed"/> cannot be published. On the real broker, with the SparkPost fake refusing the mail for
/// good (413) and a publish observer in the worker that fails every <see cref="EmailDeliveryFailed"/> publish (RabbitMQ's own
/// refusals do not make MassTransit 8.5 fail a publish: README "Every failure is seen"). Before, the signer's in-process
/// attempt handed such a mail to <c>smime-deliver</c>, whose consumer called the ESP again and dead-lettered it a second
/// time; on the queue path the short retries did the same, and the last one ended in <c>smime-deliver_error</c>.
/// </summary>
public sealed class DeadLetterEventRefusedTests : SparkPostBrokerTest
{
    private readonly RecordingLoggerProvider _logs = new();

    [Fact]
    public async Task A_mail_dead_lettered_by_the_signers_in_process_attempt_stays_there_when_its_event_cannot_be_published()
    {
        await using var worker = await StartWorkerAsync("WaitForPlace");
        Esp.FailNext(1, 413);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        await DeadLetterLog.AssertOneLineAsync(
            Output,
            $"Mail {mail.MailId:D} dead-lettered at deliver as {await DeadLetterReasonCodeAsync(mail)} in the signer's process (reported above), but its EmailDeliveryFailed event could not be published (InvalidOperationException); the mail stays in smime-deliver-dead",
            "the in-process attempt whose event was refused");
        await WaitUntilConsumedAsync(QueueNames.Protect);
        await AssertDeadLetteredOnceAsync(worker, mail);
        Assert.Equal(1, worker.Telemetry.InProcessDeliveryAttemptsTotal);
        Assert.DoesNotContain(_logs.Lines, l => l.Contains($"Mail {mail.MailId:D}: the first delivery attempt in the signer's process failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mail_dead_lettered_from_smime_deliver_is_not_routed_again_by_the_short_retries_when_its_event_cannot_be_published()
    {
        await using var worker = await StartWorkerAsync("Off");
        Esp.FailNext(1, 413);
        var mail = OneRecipientMail();

        await PublishAsync(mail);

        // Written by the endpoint's filter after the last short retry (0.2 s, 1 s, 5 s), each of which only published again.
        await DeadLetterLog.AssertOneLineAsync(
            Output,
            $"Mail {mail.MailId:D} dead-lettered at deliver as {await DeadLetterReasonCodeAsync(mail)} (reported above), but its EmailDeliveryFailed event could not be published (InvalidOperationException)",
            "the queue's delivery whose event was refused");
        await WaitUntilConsumedAsync(QueueNames.Deliver);
        await AssertDeadLetteredOnceAsync(worker, mail);
        Assert.Equal(0, worker.Telemetry.InProcessDeliveryAttemptsTotal);
    }

    private string Output() => string.Join('\n', _logs.Lines);

    // The mail went into smime-deliver-dead (waited for), and its reason code as the dead letter's header says.
    private async Task<string> DeadLetterReasonCodeAsync(ProtectEmail mail)
    {
        await Eventually.HoldsAsync(
            async () => (await VirtualHost.PeekAsync(RetryLadderTopology.DeadLetterQueue, 10)).Count > 0,
            TimeSpan.FromSeconds(60),
            () => $"mail {mail.MailId} did not reach smime-deliver-dead; ESP requests: {Esp.Requests.Count}\n{Output()}");
        var headers = Assert.Single(await VirtualHost.PeekAsync(RetryLadderTopology.DeadLetterQueue, 10)).GetProperty("properties").GetProperty("headers");
        Assert.Equal(mail.MailId.ToString("D"), headers.GetProperty(SenderHeaders.MailId).GetString());
        return headers.GetProperty(SenderHeaders.ReasonCode).GetString()!;
    }

    // One entry in smime-deliver-dead, none in an _error queue, one ESP request, one report (line and count).
    private async Task AssertDeadLetteredOnceAsync(WorkerHost worker, ProtectEmail mail)
    {
        Assert.Equal(1, await VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync($"{QueueNames.Deliver}_error"));
        Assert.Equal(0, await VirtualHost.CountMessagesNowAsync($"{QueueNames.Protect}_error"));
        Assert.Single(Esp.Requests);
        Assert.Single(_logs.Lines, l => l.Contains($"Mail {mail.MailId:D} dead-lettered at deliver: ", StringComparison.Ordinal));
        Assert.Equal(1, worker.Telemetry.FailedTotal);
    }

    // The command or mail has left its queue (acknowledged, or moved to an _error queue by MassTransit after a failed receive).
    private Task WaitUntilConsumedAsync(string queue) =>
        Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(queue) == 0,
            TimeSpan.FromSeconds(30),
            () => $"{queue} still holds the message");

    // Both roles in one process on the SparkPost fake, the failure events refused.
    private Task<WorkerHost> StartWorkerAsync(string mode) =>
        WorkerHost.StartAsync(
            BothRolesOnSparkPost(("SmimePipeline:Signer:DeliverInProcess", mode)),
            builder =>
            {
                builder.Logging.AddProvider(_logs);
                builder.Services.AddPublishObserver<RefusingFailureEvents>();
            });
}
