using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>(b) permanent refusals are dead-lettered after one attempt with their reason; (d) <c>smime dlq requeue</c> brings them back.</summary>
public sealed class PermanentFailureTests : IAsyncLifetime
{
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Refused_and_oversize_mail_is_dead_lettered_after_exactly_one_attempt_with_its_reason()
    {
        var settings = _rig.SenderSettings();
        settings["SmimePipeline:Delivery:SparkPost:MaxContentBytes"] = "20000";
        await using var sender = await WorkerHost.StartAsync(settings);
        await _rig.StartProducerAsync();
        _rig.Fake.RefusedRecipients["suppressed@example.org"] = true;
        var refused = Enumerable.Range(0, 5).Select(_ => DeliveryRig.Mail("suppressed@example.org")).ToList();
        var oversize = DeliveryRig.Mail(contentBytes: 30_000);
        var good = Enumerable.Range(0, 5).Select(_ => DeliveryRig.Mail()).ToList();

        await _rig.SendAsync([.. refused, oversize, .. good]);

        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) >= 6 && _rig.FailedEvents.Count >= 6,
            TimeSpan.FromSeconds(30),
            () => $"{_rig.FailedEvents.Count} EmailDeliveryFailed events");
        await Eventually.HoldsAsync(() => Task.FromResult(_rig.Fake.AcceptedByMailId.Count >= 5), TimeSpan.FromSeconds(30), () => "good mail not delivered");

        var requests = _rig.Fake.Requests;
        Assert.All(refused, m => Assert.Single(requests, r => r.MailId == m.MailId.ToString("D")));
        Assert.DoesNotContain(requests, r => r.MailId == oversize.MailId.ToString("D"));
        var dead = await _rig.PeekHeadersAsync(RetryLadderTopology.DeadLetterQueue, 10);
        Assert.Equal(6, dead.Count);
        foreach (var mail in refused)
        {
            var headers = Assert.Single(dead, h => h[SenderHeaders.MailId] == mail.MailId.ToString("D"));
            Assert.Equal("esp-rejected", headers[SenderHeaders.ReasonCode]);
            Assert.Equal("1", headers[SenderHeaders.Attempt]);
            Assert.Contains("code 1902", headers[SenderHeaders.EspAnswer], StringComparison.Ordinal);
            Assert.Equal("sparkpost", headers[SenderHeaders.Provider]);
            Assert.True(DateTimeOffset.TryParse(headers[SenderHeaders.DeadLetteredAt], System.Globalization.CultureInfo.InvariantCulture, out _));
            Assert.Single(headers[SenderHeaders.FailedAt].Split(','));
        }

        Assert.Equal("message-too-large", Assert.Single(dead, h => h[SenderHeaders.MailId] == oversize.MailId.ToString("D"))[SenderHeaders.ReasonCode]);
        Assert.Equal(5, _rig.FailedEvents.Count(e => e.ReasonCode == "esp-rejected"));
        Assert.Single(_rig.FailedEvents, e => e.ReasonCode == "message-too-large" && e.MailId == oversize.MailId);
    }

    [Fact]
    public async Task Dlq_requeue_brings_dead_lettered_mail_back_and_it_is_delivered()
    {
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings());
        await _rig.StartProducerAsync();
        _rig.Fake.RefusedRecipients["suppressed@example.org"] = true;
        var mails = Enumerable.Range(0, 4).Select(_ => DeliveryRig.Mail("suppressed@example.org")).ToList();
        await _rig.SendAsync(mails);
        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) >= 4,
            TimeSpan.FromSeconds(30),
            () => "mail not dead-lettered");
        var broker = _rig.VirtualHost.AmqpUri.ToString();

        var list = await SmimeCli.RunAsync(["dlq", "list", "--rabbitmq", broker]);
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.All(mails, m => Assert.Contains(m.MailId.ToString("D"), list.StdoutText, StringComparison.Ordinal));
        Assert.Contains("esp-rejected", list.StdoutText, StringComparison.Ordinal);
        var show = await SmimeCli.RunAsync(["dlq", "show", mails[0].MailId.ToString("D"), "--rabbitmq", broker]);
        Assert.True(show.ExitCode == 0, show.Stderr);
        Assert.Contains($"{SenderHeaders.EspAnswer}: HTTP 400 code 1902", show.StdoutText, StringComparison.Ordinal);
        // Looking did not take anything away: counted from a peek, not from the queue's statistics, which are as old as the
        // broker's last emission and could still show the four from before the look (session 20's audit).
        Assert.Equal(4, await _rig.VirtualHost.CountMessagesNowAsync(RetryLadderTopology.DeadLetterQueue));

        _rig.Fake.RefusedRecipients.Clear();
        var one = await SmimeCli.RunAsync(["dlq", "requeue", mails[0].MailId.ToString("D"), "--rabbitmq", broker]);
        Assert.True(one.ExitCode == 0, one.Stderr);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(mails[0].MailId.ToString("D"))),
            TimeSpan.FromSeconds(30),
            () => "the requeued mail was not delivered");
        var rest = await SmimeCli.RunAsync(["dlq", "requeue", "--all", "--reason", "esp-rejected", "--rabbitmq", broker]);
        Assert.True(rest.ExitCode == 0, rest.Stderr);
        Assert.Contains("requeued 3 mail(s)", rest.Stderr, StringComparison.Ordinal);

        await Eventually.HoldsAsync(
            () => Task.FromResult(mails.All(m => _rig.Fake.AcceptedByMailId.ContainsKey(m.MailId.ToString("D")))),
            TimeSpan.FromSeconds(30),
            () => $"{_rig.Fake.AcceptedByMailId.Count} of 4 requeued mails delivered");
        // The management API's counts lag by its statistics interval (5 s).
        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) == 0,
            TimeSpan.FromSeconds(60),
            () => "the requeued mail is still in the dead-letter queue");
        Assert.All(mails, m => Assert.Equal(1, _rig.Fake.AcceptedByMailId[m.MailId.ToString("D")]));
    }
}
