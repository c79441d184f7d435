using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Messaging;
using SmimePipeline.Worker.Failures;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Issue 17's binary <c>ProtectEmail</c> and <c>ProtectMimeMessage</c> on the real broker: the client sends them by
/// default, one signer reads them next to JSON commands of older producers, and each mail arrives decrypted and verified
/// by OpenSSL; hostile binary bodies end where hostile JSON ends (<c>smime-protect_error</c>, the reason naming the
/// rule, the event, one log line, the metric); an old signer moves a binary command to the error queue intact, and
/// <c>smime dlq requeue</c> delivers it after the upgrade.
/// </summary>
public sealed class BinaryProtectCommandTests : BrokerTest
{
    private const string ErrorQueue = "smime-protect_error";
    private const string Secret = "secret-body-text-2207";

    [Fact]
    public async Task Binary_and_json_commands_from_two_producers_reach_one_signer_and_openssl_verifies_every_mail()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        var recipient = Pki.RecipientAddresses[0];
        // A signer declares the queues and goes away, so that what the producers send waits in smime-protect.
        await using (await WorkerHost.StartAsync(WorkerSettings("Signer", outbox)))
        {
        }

        var binaryMail = Mail(recipient);
        var jsonMail = Mail(recipient);
        var binaryEmlId = Guid.NewGuid();
        var jsonEmlId = Guid.NewGuid();
        var bus = await StartProducerAsync();
        try
        {
            var binary = new SmimeMailPublisher(bus);
            var json = new SmimeMailPublisher(bus, Options.Create(new SmimePipelineClientOptions { MessageFormat = ProtectCommandFormat.Json }));
            await binary.ProtectAsync(binaryMail);
            await json.ProtectAsync(jsonMail);
            await binary.ProtectMimeAsync(Eml(binaryEmlId, recipient), mailId: binaryEmlId);
            await json.ProtectMimeAsync(Eml(jsonEmlId, recipient), mailId: jsonEmlId);
        }
        finally
        {
            await bus.StopAsync();
        }

        var waiting = await VirtualHost.PeekAsync(QueueNames.Protect, 10);
        Assert.Equal(4, waiting.Count);
        var contentTypes = waiting.Select(m => m.GetProperty("properties").GetProperty("content_type").GetString()).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["application/vnd.masstransit+json", "application/vnd.masstransit+json", "application/vnd.smimepipeline.protect-email; v=1", "application/vnd.smimepipeline.protect-mime-message; v=1"],
            contentTypes);
        var binaryEmail = Assert.Single(waiting, m => m.GetProperty("properties").GetProperty("content_type").GetString()!.Contains("protect-email", StringComparison.Ordinal));
        // The text body travels as its bytes, not as base64 inside JSON (the management API shows a body with NUL bytes,
        // such as the manifest length, in base64 itself).
        var payload = binaryEmail.GetProperty("payload").GetString()!;
        var bytes = binaryEmail.GetProperty("payload_encoding").GetString() == "base64" ? Convert.FromBase64String(payload) : Encoding.UTF8.GetBytes(payload);
        Assert.Contains(TestMails.Marker(binaryMail.MailId), Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.DoesNotContain("\"message\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(binaryMail.MailId.ToString("D"), binaryEmail.GetProperty("properties").GetProperty("headers").GetProperty(ProtectCommandBinaryFormat.MailIdHeader).GetString());

        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        foreach (var mailId in new[] { binaryMail.MailId, jsonMail.MailId, binaryEmlId, jsonEmlId })
        {
            var file = Path.Combine(outbox, $"{mailId:N}.eml");
            await Eventually.HoldsAsync(
                () => Task.FromResult(File.Exists(file)),
                TimeSpan.FromSeconds(120),
                () => $"mail {mailId} was not delivered (protected {signer.Telemetry.ProtectedTotal}, failed {signer.Telemetry.FailedTotal})");
            Assert.Contains(
                TestMails.Marker(mailId),
                await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath),
                StringComparison.Ordinal);
        }

        Assert.Equal(0, signer.Telemetry.FailedTotal);
    }

    [Fact]
    public async Task Hostile_binary_bodies_end_in_the_error_queue_with_the_rule_named_an_event_a_log_line_and_the_metric()
    {
        await using var signer = await StartSignerProcessAsync(("SmimePipeline:MaxMessageBytes", "65536"));
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-binary-protect-events");
        var failed = events.Failed;

        const string email = "application/vnd.smimepipeline.protect-email; v=1";
        const string mime = "application/vnd.smimepipeline.protect-mime-message; v=1";
        var manifest = $$"""{"from":{"address":"{{Pki.SenderAddress}}"},"to":[{"address":"{{Pki.RecipientAddresses[0]}}"}],"subject":"{{Secret}}","textBodyLength":5}""";
        var cases = new (string What, Guid MailId, string ContentType, byte[] Body, string? Policy, string Code, string Expected)[]
        {
            ("truncated", Guid.NewGuid(), email, Frame(manifest, "abc"), null, "unreadable-message", "its textBodyLength is 5 bytes and only 3 remain"),
            ("trailing bytes", Guid.NewGuid(), email, Frame(manifest, "abcdefgh"), null, "unreadable-message", "has 3 bytes after its last payload"),
            ("field twice", Guid.NewGuid(), email, Frame(manifest[..^1] + ",\"subject\":\"again\"}", "abcde"), null, "unreadable-message", "gives a field twice in its manifest"),
            ("not a manifest", Guid.NewGuid(), email, Encoding.UTF8.GetBytes(Secret), null, "unreadable-message", "declares a manifest of"),
            ("unknown version", Guid.NewGuid(), "application/vnd.smimepipeline.protect-email; v=2", Frame(manifest, "abcde"), null, "unreadable-message", "names version '2'"),
            ("policy not JSON", Guid.NewGuid(), mime, Encoding.UTF8.GetBytes($"Subject: {Secret}\r\n\r\n{Secret}\r\n"), "{" + Secret, "unreadable-message", "header smime-policy has a value that is not JSON"),
            ("too large", Guid.NewGuid(), email, new byte[65_536 + ProtectCommandBinaryFormat.MaxManifestBytes + 5], null, "message-too-large", "above the limit of 65536 (SmimePipeline:MaxMessageBytes)"),
            // Refused by the deserializer before the body is copied: the validator would name "Mail …'s message" instead.
            ("mime too large", Guid.NewGuid(), mime, new byte[65_537], null, "message-too-large", "the binary ProtectMimeMessage is 65537 bytes, above the limit of 65536 (SmimePipeline:MaxMessageBytes)"),
            ("bad address", Guid.NewGuid(), email, Frame(manifest.Replace(Pki.RecipientAddresses[0], "not-an-address", StringComparison.Ordinal), "abcde"), null, "invalid-message", "To[0]"),
        };
        foreach (var (_, mailId, contentType, body, policy, _, _) in cases)
        {
            var headers = new Dictionary<string, object?> { [ProtectCommandBinaryFormat.MailIdHeader] = mailId.ToString("D") };
            if (policy is not null)
            {
                headers[ProtectCommandBinaryFormat.PolicyHeader] = policy;
            }

            await PublishAsync(contentType, body, headers);
        }

        // No mail id at all: reported with the empty id.
        await PublishAsync(email, Frame(manifest, "abcde"), []);

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == cases.Length + 1 && failed.Count == cases.Length + 1,
            TimeSpan.FromSeconds(120),
            () => $"{failed.Count} of {cases.Length + 1} failures reported:\n{signer.Output}");

        foreach (var (what, mailId, _, _, _, code, expected) in cases)
        {
            var reported = Assert.Single(failed, f => f.MailId == mailId);
            Assert.Equal(FailureStage.Protect, reported.Stage);
            Assert.True(code == reported.ReasonCode, $"{what}: reported as {reported.ReasonCode}, not {code}: {reported.Reason}");
            Assert.True(reported.Reason.Contains(expected, StringComparison.Ordinal), $"{what}: \"{reported.Reason}\" does not say \"{expected}\"");
            var line = $"Mail {mailId:D} dead-lettered at protect: {code}: ";
            await DeadLetterLog.AssertOneLineAsync(() => signer.Output, line, what);
        }

        var anonymous = Assert.Single(failed, f => f.MailId == Guid.Empty);
        Assert.Contains("header smime-mail-id is missing", anonymous.Reason, StringComparison.Ordinal);
        Assert.All(failed, f => Assert.DoesNotContain(Secret, f.Reason, StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, signer.Output, StringComparison.Ordinal);
        Assert.Equal(7, await MetricsScrape.SumAsync(signer, "smime_dead_letters_total", "reason=\"unreadable-message\""));
        Assert.Equal(2, await MetricsScrape.SumAsync(signer, "smime_dead_letters_total", "reason=\"message-too-large\""));

        // smime dlq names them by their header and reason, without their content.
        var list = await SmimeCli.RunAsync(["dlq", "list", "--queue", ErrorQueue, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(list.ExitCode == 0, list.Describe());
        foreach (var (what, mailId, _, _, _, code, _) in cases)
        {
            Assert.True(
                list.StdoutText.Split('\n').Any(l => l.StartsWith(mailId.ToString("D"), StringComparison.Ordinal) && l.Contains(code, StringComparison.Ordinal)),
                $"{what}: smime dlq list has no line for {mailId} with {code}:\n{list.StdoutText}");
        }

        Assert.DoesNotContain(Secret, list.StdoutText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_old_signer_moves_a_binary_command_to_the_error_queue_intact_and_dlq_requeue_delivers_it_after_the_upgrade()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        var recipient = Pki.RecipientAddresses[0];
        // A signer before issue 17, as far as the wire goes, on smime-protect.
        var oldSigner = await PreBinaryConsumer.StartAsync<ProtectEmail>(VirtualHost.AmqpUri, QueueNames.Protect);

        var mail = Mail(recipient);
        try
        {
            var bus = await StartProducerAsync();
            try
            {
                await new SmimeMailPublisher(bus).ProtectAsync(mail);
            }
            finally
            {
                await bus.StopAsync();
            }

            await Eventually.HoldsAsync(
                async () => await VirtualHost.CountMessagesAsync(ErrorQueue) == 1,
                TimeSpan.FromSeconds(90),
                () => "the old signer did not move the binary command to smime-protect_error");
        }
        finally
        {
            await oldSigner.DisposeAsync();
        }

        Assert.Equal(0, oldSigner.Consumed);
        var error = Assert.Single(await VirtualHost.PeekAsync(ErrorQueue, 5));
        var properties = error.GetProperty("properties");
        Assert.Equal("application/vnd.smimepipeline.protect-email; v=1", properties.GetProperty("content_type").GetString());
        Assert.Equal(mail.MailId.ToString("D"), properties.GetProperty("headers").GetProperty(ProtectCommandBinaryFormat.MailIdHeader).GetString());

        // The upgrade: signer and sender of this version, then the operator requeues what the old signer could not read.
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var requeue = await SmimeCli.RunAsync(["dlq", "requeue", "--queue", ErrorQueue, "--all", "--reason", UnreadableMessageObserver.ReasonCode, "--rabbitmq", VirtualHost.AmqpUri.ToString()]);
        Assert.True(requeue.ExitCode == 0, requeue.Describe());
        Assert.Contains("requeued 1 mail(s)", requeue.Stderr, StringComparison.Ordinal);
        var file = Path.Combine(outbox, $"{mail.MailId:N}.eml");
        await Eventually.HoldsAsync(
            () => Task.FromResult(File.Exists(file)),
            TimeSpan.FromSeconds(120),
            () => $"the requeued mail was not delivered (protected {signer.Telemetry.ProtectedTotal}, failed {signer.Telemetry.FailedTotal})");
        Assert.Contains(
            TestMails.Marker(mail.MailId),
            await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath),
            StringComparison.Ordinal);
    }

    private ProtectEmail Mail(string recipient) =>
        TestMails.Create(0, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with
        {
            From = new MailAddress(Pki.SenderAddress),
            To = [new MailAddress(recipient)],
        };

    private byte[] Eml(Guid mailId, string recipient) => Encoding.UTF8.GetBytes(
        $"From: {Pki.SenderAddress}\r\nTo: {recipient}\r\nSubject: Ihr Auszug\r\nMessage-ID: <{mailId:N}@bank.example>\r\n"
        + $"Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{TestMails.Marker(mailId)}\r\n");

    private static byte[] Frame(string manifest, string payload)
    {
        var json = Encoding.UTF8.GetBytes(manifest);
        var bytes = Encoding.UTF8.GetBytes(payload);
        var body = new byte[4 + json.Length + bytes.Length];
        BinaryPrimitives.WriteUInt32BigEndian(body, (uint)json.Length);
        json.CopyTo(body, 4);
        bytes.CopyTo(body, 4 + json.Length);
        return body;
    }

    // A hostile producer: arbitrary bytes and headers straight onto the signers' exchange.
    private async Task PublishAsync(string contentType, byte[] body, Dictionary<string, object?> headers)
    {
        var factory = new ConnectionFactory { Uri = VirtualHost.AmqpUri };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties { ContentType = contentType, DeliveryMode = DeliveryModes.Persistent, Headers = headers, MessageId = Guid.NewGuid().ToString("D") };
        await channel.BasicPublishAsync(QueueNames.Protect, routingKey: string.Empty, mandatory: true, properties, body);
    }
}
