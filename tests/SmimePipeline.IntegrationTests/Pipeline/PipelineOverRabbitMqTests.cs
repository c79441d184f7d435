using System.Collections.Concurrent;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Pipeline;

/// <summary>
/// The whole pipeline on the real RabbitMQ started by scripts/test.sh: a producer bus, a signer
/// worker and a sender worker as separate bus instances, OpenSSL as the judge of every output.
/// </summary>
public sealed class PipelineOverRabbitMqTests : BrokerTest
{
    [Fact]
    public async Task Five_hundred_mixed_mails_are_delivered_and_each_one_decrypts_and_verifies_with_openssl()
    {
        const int count = 500;
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox));
        var mails = Enumerable.Range(0, count)
            .Select(i => TestMails.Create(i, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses))
            .ToList();
        await PublishAsync(mails, inFlight: 100);

        // The pickup transport creates its directory with the first mail it writes (session 9): until then none is there.
        int Delivered() => Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0;
        await Eventually.HoldsAsync(
            () => Task.FromResult(Delivered() >= count),
            TimeSpan.FromMinutes(4),
            () => $"{Delivered()} of {count} mails in the pickup directory");

        Assert.Equal(count, Directory.GetFiles(outbox, "*.eml").Length);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-deliver_error"));

        var verified = new ConcurrentBag<Guid>();
        await Parallel.ForEachAsync(mails, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (mail, cancellationToken) =>
        {
            var file = Path.Combine(outbox, $"{mail.MailId:N}.eml");
            var recipient = mail.To[0].Address;
            var content = await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath);
            Assert.Contains(TestMails.Marker(mail.MailId), content, StringComparison.Ordinal);
            if (mail.Bcc.Count > 0)
            {
                var headers = (await File.ReadAllTextAsync(file, cancellationToken)).Split("\r\n\r\n", 2)[0];
                Assert.DoesNotContain("Bcc:", headers, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain(mail.Bcc[0].Address, headers, StringComparison.OrdinalIgnoreCase);
            }

            verified.Add(mail.MailId);
        });
        Assert.Equal(count, verified.Count);
        Assert.Equal(count, signer.Telemetry.ProtectedTotal);
        Assert.Equal(count, sender.Telemetry.DeliveredTotal);
    }

    [Fact]
    public async Task A_mail_delivered_through_a_real_smtp_server_still_decrypts_and_verifies()
    {
        var outbox = Path.Combine(Temp.Path, "unused-outbox");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        var smtpSettings = Settings("Sender", outbox);
        smtpSettings["SmimePipeline:Delivery:Provider"] = "smtp";
        smtpSettings["SmimePipeline:Delivery:Smtp:Host"] = TestServices.SmtpHost;
        smtpSettings["SmimePipeline:Delivery:Smtp:Port"] = TestServices.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        smtpSettings["SmimePipeline:Delivery:Smtp:Security"] = "None";
        await using var sender = await WorkerHost.StartAsync(smtpSettings);
        var mailbox = SmtpSinkMailbox.ForTestServices();
        var mail = TestMails.Create(1, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses);
        await PublishAsync(mail);

        var recipient = mail.To[0].Address;
        var received = await mailbox.WaitForMessageToAsync(recipient, TimeSpan.FromSeconds(60));
        var file = Path.Combine(Temp.Path, "received.eml");
        await File.WriteAllBytesAsync(file, received.Content);
        var content = await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath);
        Assert.Contains(TestMails.Marker(mail.MailId), content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recipient_without_a_certificate_dead_letters_the_mail_with_the_address_and_the_pipeline_goes_on()
    {
        var outbox = Path.Combine(Temp.Path, "outbox-dlq");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox));
        const string unknown = "nobody-has-a-cert@elsewhere.example";
        var refused = TestMails.Create(0, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with
        {
            To = [new MailAddress(Pki.RecipientAddresses[0]), new MailAddress(unknown)],
        };
        var good = TestMails.Create(0, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses);
        await PublishAsync(refused, good);

        var goodFile = Path.Combine(outbox, $"{good.MailId:N}.eml");
        await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(goodFile)), TimeSpan.FromSeconds(60), () => "the good mail after the refused one was not delivered");
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync("smime-protect_error") == 1,
            TimeSpan.FromSeconds(30),
            () => "the refused mail is not in smime-protect_error");

        Assert.False(File.Exists(Path.Combine(outbox, $"{refused.MailId:N}.eml")), "a mail without a recipient certificate went out");
        var dead = Assert.Single(await VirtualHost.PeekAsync("smime-protect_error", 10));
        var headers = dead.GetProperty("properties").GetProperty("headers");
        var reason = headers.GetProperty("MT-Fault-Message").GetString();
        Assert.Contains(unknown, reason, StringComparison.Ordinal);
        Assert.Equal(1, signer.Telemetry.FailedTotal);
    }

    private Dictionary<string, string?> Settings(string role, string outbox) =>
        WorkerSettings(role, outbox, ("SmimePipeline:Signer:Concurrency", "2"));
}
