using Microsoft.Extensions.DependencyInjection;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// Issue 17, target 2, session 9 on the real RabbitMQ: with small mails before large ones in the protect slots and large
/// mails protected on niced threads (turned on with the suggested threshold), a mix of large and small mails is delivered whole, each
/// readable by OpenSSL; and a signer stopped while mails wait for a slot loses none of them: the waits are cancelled,
/// the messages go back to the queue, and the next signer delivers each, nothing dead-lettered.
/// </summary>
public sealed class SmallMailsBeforeLargeTests : BrokerTest
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_mix_of_large_and_small_mails_is_delivered_whole_and_the_large_ones_were_protected_on_the_niced_threads()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        await (await WorkerHost.StartAsync(WorkerSettings("Signer", outbox))).DisposeAsync();
        var mails = Mix(count: 24, largeEvery: 4);
        await PublishAsync(mails, inFlight: 8);

        // Two slots, so that large mails may hold one and small ones keep the other; everything else at its default.
        await using var signer = await WorkerHost.StartAsync(WorkerSettings("Signer", outbox, ("SmimePipeline:Signer:Concurrency", "2"), LargeMailOn));
        var threads = signer.Services.GetRequiredService<LargeMailThreads>();
        Assert.True(threads.Enabled);
        Assert.Equal(1, threads.Count);

        foreach (var mail in mails)
        {
            await AssertDeliveredAndReadableAsync(outbox, mail, Generous, $"mail {mail.MailId} ({mail.Subject}) was not delivered");
        }

        Assert.True(threads.Completed >= mails.Count(IsLarge), $"large mails protected on the niced threads: {threads.Completed}, expected {mails.Count(IsLarge)}");
        Assert.Equal(mails.Length, Directory.GetFiles(outbox, "*.eml").Length);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.Protect + "_error"));
    }

    [Fact]
    public async Task A_signer_stopped_while_mails_wait_for_a_slot_loses_none_and_the_next_signer_delivers_each()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var failures = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "session9-failures");
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        await (await WorkerHost.StartAsync(WorkerSettings("Signer", outbox))).DisposeAsync();
        var mails = Mix(count: 40, largeEvery: 5);
        await PublishAsync(mails, inFlight: 8);

        // One slot and 16 mails held: while one is protected, the others wait for the slot when the signer stops.
        var settings = WorkerSettings("Signer", outbox, ("SmimePipeline:Signer:Concurrency", "1"), ("SmimePipeline:Signer:InFlight", "16"), LargeMailOn);
        var first = await WorkerHost.StartAsync(settings);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length > 0),
            Generous,
            () => "the first signer delivered nothing");
        await first.DisposeAsync();

        await using var second = await WorkerHost.StartAsync(settings);
        foreach (var mail in mails)
        {
            await AssertDeliveredAndReadableAsync(outbox, mail, Generous, $"mail {mail.MailId} ({mail.Subject}) was lost when the signer stopped");
        }

        Assert.Equal(mails.Length, Directory.GetFiles(outbox, "*.eml").Length);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync(QueueNames.Protect + "_error"));
        Assert.Empty(failures.Failed);
    }

    // Large-mail precedence is off by default (session 9's quiet run); these tests turn it on at the suggested threshold.
    private static readonly (string Key, string? Value) LargeMailOn = ("SmimePipeline:Signer:LargeMailThresholdBytes", "262144");

    private static bool IsLarge(ProtectEmail mail) => mail.Attachments.Count > 0;

    // Every largeEvery-th mail carries a 600 KB attachment (above the signer's 256 KB large-mail threshold), the rest are small.
    private ProtectEmail[] Mix(int count, int largeEvery)
    {
        var attachment = new byte[600 * 1024];
        new Random(9).NextBytes(attachment);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            var id = Guid.NewGuid();
            return new ProtectEmail
            {
                MailId = id,
                From = new MailAddress(Pki.SenderAddress),
                To = [new MailAddress(Pki.RecipientAddresses[0])],
                Subject = i % largeEvery == 0 ? $"Large statement {i}" : $"Small notice {i}",
                TextBody = $"Please find your documents. {TestMails.Marker(id)}",
                Attachments = i % largeEvery == 0 ? [new MailAttachment("statement.pdf", "application/pdf", attachment)] : [],
            };
        })];
    }
}
