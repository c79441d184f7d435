using System.Text;
using System.Text.Json;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Messaging;
using SmimePipeline.Worker.Sending;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// Issue 17's binary <c>DeliverEmail</c> on the real broker: one sender reads both formats, hostile headers are
/// refused naming the header (like hostile JSON fields), the retry ladder and the dead-letter queue keep the binary
/// format, and <c>smime dlq list/requeue</c> handle a binary dead letter.
/// </summary>
public sealed class BinaryDeliverEmailTests : IAsyncLifetime
{
    private const string Binary = "application/vnd.smimepipeline.deliver-email; v=1";
    private const string ErrorQueue = "smime-deliver_error";
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task One_sender_delivers_binary_mail_mass_transit_json_and_json_published_raw()
    {
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings());
        await _rig.StartProducerAsync();
        var json = DeliveryRig.Mail();
        var binary = DeliveryRig.Mail();
        var raw = DeliveryRig.Mail();

        await _rig.SendAsync([json]);
        await _rig.SendBinaryAsync([binary]);
        // A JSON DeliverEmail as a signer of an earlier version (or `smime dlq requeue` of an old dead letter) puts it on the queue.
        var envelope = JsonSerializer.Serialize(new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { "urn:message:SmimePipeline.Contracts:DeliverEmail" },
            message = new
            {
                mailId = raw.MailId,
                envelopeFrom = raw.EnvelopeFrom,
                envelopeTo = raw.EnvelopeTo,
                content = raw.Content,
                protection = (int)AppliedProtection.SignatureAndEncryption,
            },
        });
        await _rig.VirtualHost.PublishRawAsync(QueueNames.Deliver, envelope, "application/vnd.masstransit+json");

        await Eventually.HoldsAsync(
            () => Task.FromResult(new[] { json, binary, raw }.All(m => _rig.Fake.AcceptedByMailId.ContainsKey(m.MailId.ToString("D")))),
            TimeSpan.FromSeconds(90),
            () => $"{_rig.Fake.AcceptedByMailId.Count} of 3 mails delivered; failures: {string.Join("; ", _rig.FailedEvents.Select(f => f.Reason))}");
        foreach (var mail in new[] { json, binary, raw })
        {
            Assert.Equal(1, _rig.Fake.AcceptedByMailId[mail.MailId.ToString("D")]);
            var request = Assert.Single(_rig.Fake.Requests, r => r.MailId == mail.MailId.ToString("D"));
            // The ESP got the mail's own bytes.
            using var transmission = JsonDocument.Parse(request.Body);
            var sent = transmission.RootElement.GetProperty("content").GetProperty("email_rfc822").GetString();
            Assert.Equal(Encoding.ASCII.GetString(mail.Content), sent);
        }

        Assert.Empty(_rig.FailedEvents);
    }

    [Fact]
    public async Task Hostile_headers_are_refused_with_the_header_named_an_event_a_log_line_and_the_metric()
    {
        using var workingDirectory = new TempDirectory();
        await using var sender = await WorkerProcess.StartAsync(_rig.SenderSettings(), workingDirectory.Path);
        await _rig.StartProducerAsync();
        const string secret = "secret-body-text-4711";
        var body = $"From: statements@bank.example\r\nSubject: {secret}\r\n\r\n{secret}\r\n";
        var cases = new (string What, Guid MailId, string ContentType, Dictionary<string, object> Headers, string Expected)[]
        {
            ("missing", Guid.NewGuid(), Binary, [], $"header {DeliverEmailBinaryFormat.EnvelopeFromHeader} is missing"),
            ("wrong type", Guid.NewGuid(), Binary, new() { [DeliverEmailBinaryFormat.AttemptHeader] = "1" }, $"header {DeliverEmailBinaryFormat.AttemptHeader} is of type string, not an integer"),
            ("oversized", Guid.NewGuid(), Binary, new() { [DeliverEmailBinaryFormat.EnvelopeFromHeader] = new string('a', 3000) + "@example.org" }, $"header {DeliverEmailBinaryFormat.EnvelopeFromHeader} is 3012 characters long, above 2048"),
            ("duplicated", Guid.NewGuid(), Binary, new() { ["Smime-Envelope-To"] = "other@example.org" }, $"header {DeliverEmailBinaryFormat.EnvelopeToHeader} is given twice"),
            ("unknown version", Guid.NewGuid(), "application/vnd.smimepipeline.deliver-email; v=2", [], "header content-type names version '2'"),
        };
        foreach (var (what, mailId, contentType, extra, _) in cases)
        {
            var headers = new Dictionary<string, object>
            {
                [DeliverEmailBinaryFormat.MailIdHeader] = mailId.ToString("D"),
                [DeliverEmailBinaryFormat.EnvelopeFromHeader] = "bounces@bank.example",
                [DeliverEmailBinaryFormat.EnvelopeToHeader] = "customer@example.org",
            };
            if (what == "missing")
            {
                headers.Remove(DeliverEmailBinaryFormat.EnvelopeFromHeader);
            }

            foreach (var (key, value) in extra)
            {
                headers[key] = value;
            }

            await _rig.VirtualHost.PublishRawAsync(QueueNames.Deliver, body, contentType, headers);
        }

        // Well-formed headers with a value the contract refuses: the consumer's validator, as for JSON.
        var badAddress = Guid.NewGuid();
        await _rig.VirtualHost.PublishRawAsync(QueueNames.Deliver, body, Binary, new Dictionary<string, object>
        {
            [DeliverEmailBinaryFormat.MailIdHeader] = badAddress.ToString("D"),
            [DeliverEmailBinaryFormat.EnvelopeFromHeader] = "bounces@bank.example",
            [DeliverEmailBinaryFormat.EnvelopeToHeader] = "customer@example.org,not-an-address",
            [DeliverEmailBinaryFormat.AttemptHeader] = 0,
        });

        await Eventually.HoldsAsync(
            async () => _rig.FailedEvents.Count >= cases.Length + 1
                && await _rig.VirtualHost.CountMessagesAsync(ErrorQueue) == cases.Length
                && await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) == 1,
            TimeSpan.FromSeconds(90),
            () => $"{_rig.FailedEvents.Count} of {cases.Length + 1} failures reported: {string.Join("; ", _rig.FailedEvents.Select(f => f.Reason))}");

        foreach (var (what, mailId, _, _, expected) in cases)
        {
            var reported = Assert.Single(_rig.FailedEvents, f => f.MailId == mailId);
            Assert.Equal(FailureStage.Deliver, reported.Stage);
            Assert.Equal(UnreadableMessageObserver.ReasonCode, reported.ReasonCode);
            Assert.True(reported.Reason.Contains(expected, StringComparison.Ordinal), $"{what}: \"{reported.Reason}\" does not say \"{expected}\"");
            var line = $"Mail {mailId:D} dead-lettered at deliver: unreadable-message: {reported.Reason}";
            await DeadLetterLog.AssertOneLineAsync(() => sender.Output, line, what);
        }

        var invalid = Assert.Single(_rig.FailedEvents, f => f.MailId == badAddress);
        Assert.Equal("invalid-message", invalid.ReasonCode);
        Assert.Contains("EnvelopeTo[1]", invalid.Reason, StringComparison.Ordinal);
        Assert.All(_rig.FailedEvents, f => Assert.DoesNotContain(secret, f.Reason, StringComparison.Ordinal));
        Assert.Empty(_rig.Fake.Requests);
        Assert.DoesNotContain(secret, sender.Output, StringComparison.Ordinal);
        Assert.Equal(cases.Length, await MetricsScrape.SumAsync(sender, "smime_dead_letters_total", "reason=\"unreadable-message\""));

        // smime dlq list names the mails of the error queue by their header and says why.
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", _rig.VirtualHost.AmqpUri.ToString()]);
        Assert.True(list.ExitCode == 0, list.Describe());
        foreach (var (_, mailId, _, _, _) in cases)
        {
            Assert.Contains(list.StdoutText.Split('\n'), l => l.StartsWith(mailId.ToString("D"), StringComparison.Ordinal) && l.Contains(UnreadableMessageObserver.ReasonCode, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(secret, list.StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_retry_ladder_and_the_dead_letter_queue_keep_the_binary_format_and_dlq_requeue_delivers_it()
    {
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings(retrySchedule: "1s,1s"));
        await _rig.StartProducerAsync();

        // Fails once (transient), comes back from smime-deliver-retry-1 and is delivered.
        var retried = DeliveryRig.Mail();
        _rig.Fake.FailNext(1, 503);
        await _rig.SendBinaryAsync([retried]);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(retried.MailId.ToString("D"))),
            TimeSpan.FromSeconds(90),
            () => $"the retried mail was not delivered; failures: {string.Join("; ", _rig.FailedEvents.Select(f => f.Reason))}");
        Assert.Equal(2, _rig.Fake.Requests.Count(r => r.MailId == retried.MailId.ToString("D")));

        // Fails once (transient), then is refused for good: the dead letter is written by the consumer of the copy that
        // came back from the ladder, in the format that copy had.
        var refused = DeliveryRig.Mail("suppressed@example.org");
        _rig.Fake.RefusedRecipients["suppressed@example.org"] = true;
        _rig.Fake.FailNext(1, 503);
        await _rig.SendBinaryAsync([refused]);
        await Eventually.HoldsAsync(
            async () => await _rig.VirtualHost.CountMessagesAsync(RetryLadderTopology.DeadLetterQueue) == 1,
            TimeSpan.FromSeconds(90),
            () => "the refused mail was not dead-lettered");
        var dead = Assert.Single(await _rig.VirtualHost.PeekAsync(RetryLadderTopology.DeadLetterQueue, 5));
        var properties = dead.GetProperty("properties");
        Assert.Equal(Binary, properties.GetProperty("content_type").GetString());
        var headers = properties.GetProperty("headers");
        Assert.Equal(refused.MailId.ToString("D"), headers.GetProperty(SenderHeaders.MailId).GetString());
        Assert.Equal(2, headers.GetProperty(SenderHeaders.Attempt).GetInt32());
        Assert.Equal("esp-rejected", headers.GetProperty(SenderHeaders.ReasonCode).GetString());
        Assert.Equal("bounces@bank.example", headers.GetProperty(DeliverEmailBinaryFormat.EnvelopeFromHeader).GetString());
        Assert.Equal(Encoding.ASCII.GetString(refused.Content), dead.GetProperty("payload").GetString());

        var broker = _rig.VirtualHost.AmqpUri.ToString();
        var list = await SmimeCli.RunAsync(["dlq", "list", "--rabbitmq", broker]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Contains(list.StdoutText.Split('\n'), l => l.StartsWith(refused.MailId.ToString("D"), StringComparison.Ordinal) && l.Contains("esp-rejected", StringComparison.Ordinal));
        var show = await SmimeCli.RunAsync(["dlq", "show", refused.MailId.ToString("D"), "--rabbitmq", broker]);
        Assert.True(show.ExitCode == 0, show.Describe());
        Assert.Contains($"content-type: {Binary}", show.StdoutText, StringComparison.Ordinal);

        _rig.Fake.RefusedRecipients.Clear();
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", refused.MailId.ToString("D"), "--rabbitmq", broker]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(refused.MailId.ToString("D"))),
            TimeSpan.FromSeconds(60),
            () => "the requeued binary mail was not delivered");
        Assert.Equal(1, _rig.Fake.AcceptedByMailId[refused.MailId.ToString("D")]);
    }

    [Fact]
    public async Task An_old_sender_moves_a_binary_mail_to_the_error_queue_intact_and_dlq_requeue_delivers_it_after_the_upgrade()
    {
        // A sender before issue 17, as far as the wire goes, consuming smime-deliver.
        var oldSender = await PreBinaryConsumer.StartAsync<DeliverEmail>(_rig.VirtualHost.AmqpUri, QueueNames.Deliver);

        var mail = DeliveryRig.Mail();
        try
        {
            await _rig.StartProducerAsync();
            await _rig.SendBinaryAsync([mail]);
            await Eventually.HoldsAsync(
                async () => await _rig.VirtualHost.CountMessagesAsync(ErrorQueue) == 1,
                TimeSpan.FromSeconds(90),
                () => "the old sender did not move the binary mail to smime-deliver_error");
        }
        finally
        {
            await oldSender.DisposeAsync();
        }

        Assert.Equal(0, oldSender.Consumed);
        var error = Assert.Single(await _rig.VirtualHost.PeekAsync(ErrorQueue, 5));
        var properties = error.GetProperty("properties");
        Assert.Equal(Binary, properties.GetProperty("content_type").GetString());
        Assert.Equal(mail.MailId.ToString("D"), properties.GetProperty("headers").GetProperty(SenderHeaders.MailId).GetString());
        Assert.Equal(Encoding.ASCII.GetString(mail.Content), error.GetProperty("payload").GetString());

        // The upgrade: a sender of this version, then the operator requeues what the old one could not read.
        await using var sender = await WorkerHost.StartAsync(_rig.SenderSettings());
        var broker = _rig.VirtualHost.AmqpUri.ToString();
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", broker]);
        Assert.True(list.ExitCode == 0, list.Describe());
        Assert.Contains(list.StdoutText.Split('\n'), l => l.StartsWith(mail.MailId.ToString("D"), StringComparison.Ordinal) && l.Contains(UnreadableMessageObserver.ReasonCode, StringComparison.Ordinal));
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", "--queue", ErrorQueue, "--all", "--reason", UnreadableMessageObserver.ReasonCode, "--rabbitmq", broker]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        Assert.Contains("requeued 1 mail(s)", requeue.Stderr, StringComparison.Ordinal);
        await Eventually.HoldsAsync(
            () => Task.FromResult(_rig.Fake.AcceptedByMailId.ContainsKey(mail.MailId.ToString("D"))),
            TimeSpan.FromSeconds(60),
            () => $"the requeued mail was not delivered; failures: {string.Join("; ", _rig.FailedEvents.Select(f => f.Reason))}");
        Assert.Equal(1, _rig.Fake.AcceptedByMailId[mail.MailId.ToString("D")]);
    }
}
