using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MassTransit;
using MimeKit;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Messaging;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Issue 17, target 2, on the real RabbitMQ: a client configured with a 256 KB threshold sends mail estimated above it
/// to the signers' large-mail lane (<c>smime-protect-large</c>, a quorum queue of its own) and the rest to <c>smime-protect</c>; both are
/// protected, delivered and judged by OpenSSL. Against signers that have not bound the lane (an earlier version),
/// the broker returns the mandatory message and the client sends it to <c>smime-protect</c> instead: nothing is lost.
/// </summary>
public sealed class LargeMailLaneTests : BrokerTest
{
    [Fact]
    public async Task Large_mail_waits_in_its_own_lane_small_mail_in_the_main_queue_and_both_decrypt_and_verify_with_openssl()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        // The sender first, so that smime-deliver is bound before any signer sends to it. A signer declares and binds
        // both of its queues and is stopped again, so that the mails wait where the client put them.
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        await (await WorkerHost.StartAsync(WorkerSettings("Signer", outbox))).DisposeAsync();

        var attachment = new byte[1_500 * 1024];
        new Random(17).NextBytes(attachment);
        var recipient = Pki.RecipientAddresses[0];
        var large = Mail(recipient, "Large statement", [new MailAttachment("statement.pdf", "application/pdf", attachment)]);
        var small = Mail(recipient, "Small notice", []);

        await PublishAsync([large, small], inFlight: 1, LaneAt256Kilobytes());

        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync(QueueNames.ProtectLarge) == 1 && await VirtualHost.CountMessagesAsync(QueueNames.Protect) == 1,
            TimeSpan.FromSeconds(60),
            () => "expected one mail in each of smime-protect-large and smime-protect");

        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox));
        var largeFile = Path.Combine(outbox, $"{large.MailId:N}.eml");
        var smallFile = Path.Combine(outbox, $"{small.MailId:N}.eml");
        await Eventually.HoldsAsync(
            () => Task.FromResult(File.Exists(largeFile) && File.Exists(smallFile)),
            TimeSpan.FromMinutes(2),
            () => $"delivered: large {File.Exists(largeFile)}, small {File.Exists(smallFile)}");

        var content = await OpenSslJudge.DecryptAndVerifyAsync(largeFile, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath);
        using (var entity = MimeEntity.Load(new MemoryStream(Encoding.UTF8.GetBytes(content))))
        {
            var part = Assert.Single(entity is Multipart multipart ? multipart.OfType<MimePart>().Where(p => p.IsAttachment) : []);
            using var decoded = new MemoryStream();
            Assert.NotNull(part.Content);
            part.Content.DecodeTo(decoded);
            Assert.Equal(SHA256.HashData(attachment), SHA256.HashData(decoded.ToArray()));
        }

        Assert.Contains(TestMails.Marker(small.MailId), await OpenSslJudge.DecryptAndVerifyAsync(smallFile, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath), StringComparison.Ordinal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.ProtectLarge + "_error"));
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.Protect + "_error"));
    }

    [Theory]
    [InlineData(ProtectCommandFormat.Json)]
    [InlineData(ProtectCommandFormat.Binary)]
    public async Task Against_signers_without_the_lane_large_mail_comes_back_from_the_broker_and_goes_to_the_main_queue(ProtectCommandFormat format)
    {
        // A signer of an earlier version: it binds smime-protect only. With the binary format it stands for one that
        // reads binary commands but has no lane: the mandatory fallback does not depend on the format.
        var received = new ConcurrentDictionary<Guid, int>();
        var earlierSigner = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(VirtualHost.AmqpUri);
            if (format == ProtectCommandFormat.Binary)
            {
                ProtectCommandWireFormat.AddProtectCommandBinaryFormats(cfg, MessageSizeLimits.DefaultMaxMessageBytes);
            }

            cfg.ReceiveEndpoint(QueueNames.Protect, e =>
            {
                e.SetQuorumQueue();
                e.Handler<ProtectEmail>(context =>
                {
                    received.AddOrUpdate(context.Message.MailId, 1, (_, n) => n + 1);
                    return Task.CompletedTask;
                });
            });
        });
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await earlierSigner.StartAsync(timeout.Token);
        }

        try
        {
            var large = Mail(Pki.RecipientAddresses[0], "Large statement", [new MailAttachment("statement.pdf", "application/pdf", new byte[600 * 1024])]);
            await PublishAsync([large], inFlight: 1, LaneAt256Kilobytes(format));

            await Eventually.HoldsAsync(
                () => Task.FromResult(received.ContainsKey(large.MailId)),
                TimeSpan.FromSeconds(60),
                () => "the large mail never reached smime-protect");
            Assert.Equal(1, received[large.MailId]);
            Assert.False(await VirtualHost.QueueExistsAsync(QueueNames.ProtectLarge));
        }
        finally
        {
            await earlierSigner.StopAsync();
        }
    }

    private static SmimePipelineClientOptions LaneAt256Kilobytes(ProtectCommandFormat format = ProtectCommandFormat.Binary)
        => new() { LargeMailThresholdBytes = 256 * 1024, MessageFormat = format };

    private ProtectEmail Mail(string recipient, string subject, IReadOnlyList<MailAttachment> attachments)
    {
        var id = Guid.NewGuid();
        return new ProtectEmail
        {
            MailId = id,
            From = new MailAddress(Pki.SenderAddress),
            To = [new MailAddress(recipient)],
            Subject = subject,
            TextBody = $"Please find your documents. {TestMails.Marker(id)}",
            Attachments = attachments,
        };
    }
}
