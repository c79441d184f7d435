using System.Collections.Concurrent;
using MassTransit;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.CertificateDirectory;

/// <summary>
/// The missing-certificate policy per mail on the real RabbitMQ: fail, sign-only (allowed and not allowed)
/// and split, each with its per-recipient outcomes in the events and OpenSSL judging what went out.
/// </summary>
public sealed class MissingCertificatePolicyTests : BrokerTest
{
    private const string Unknown = "no-certificate@elsewhere.example";
    private readonly ConcurrentDictionary<Guid, EmailProtected> _protected = new();
    private readonly ConcurrentDictionary<Guid, EmailDeliveryFailed> _failed = new();

    [Fact]
    public async Task Fail_sign_only_and_split_do_what_the_mail_asks_and_report_each_recipient()
    {
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(Settings("Sender", outbox));
        var alice = Pki.RecipientAddresses[0];
        var split = Mail([alice, Unknown], new SecurityPolicy { MissingCertificate = MissingCertificatePolicy.Split });
        var signOnly = Mail([Unknown], new SecurityPolicy { MissingCertificate = MissingCertificatePolicy.SignOnly, AllowSignOnly = true });
        var signOnlyNotAllowed = Mail([Unknown], new SecurityPolicy { MissingCertificate = MissingCertificatePolicy.SignOnly });
        var fail = Mail([alice, Unknown], SecurityPolicy.SignAndEncrypt);

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint("policy-test-events", e =>
            {
                e.Handler<EmailProtected>(c => { _protected[c.Message.MailId] = c.Message; return Task.CompletedTask; });
                e.Handler<EmailDeliveryFailed>(c => { _failed[c.Message.MailId] = c.Message; return Task.CompletedTask; });
            });
        });
        await bus.StartAsync();
        try
        {
            var publisher = new SmimeMailPublisher(bus);
            foreach (var mail in new[] { split, signOnly, signOnlyNotAllowed, fail })
            {
                await publisher.ProtectAsync(mail);
            }

            await Eventually.HoldsAsync(
                () => Task.FromResult(_protected.Count == 2 && _failed.Count == 2 && File.Exists(Path.Combine(outbox, $"{signOnly.MailId:N}.eml")) && File.Exists(Path.Combine(outbox, $"{split.MailId:N}.eml"))),
                TimeSpan.FromSeconds(60),
                () => $"{_protected.Count} protected and {_failed.Count} failed events");
        }
        finally
        {
            await bus.StopAsync();
        }

        // split: encrypted to alice, the unknown recipient reported and not addressed by the copy.
        var splitFile = Path.Combine(outbox, $"{split.MailId:N}.eml");
        var content = await OpenSslJudge.DecryptAndVerifyAsync(splitFile, Pki.CertificatePath(alice), Pki.KeyPath(alice), Pki.CaCertificatePath);
        Assert.Contains(split.MailId.ToString("N"), content, StringComparison.Ordinal);
        Assert.DoesNotContain(Unknown, (await File.ReadAllTextAsync(splitFile)).Split("\r\n\r\n", 2)[0], StringComparison.Ordinal);
        var splitOutcomes = _protected[split.MailId].Recipients;
        Assert.Contains(splitOutcomes, o => o.Address == alice && o.Outcome == "encrypted");
        Assert.Contains(splitOutcomes, o => o.Address == Unknown && o.Outcome == "refused" && o.ReasonCode == "recipient-certificate-missing");

        // sign-only, allowed: signed (OpenSSL verifies it), not encrypted, outcome says so.
        var signedFile = Path.Combine(outbox, $"{signOnly.MailId:N}.eml");
        var verify = await ExternalTool.RunAsync("openssl", ["cms", "-verify", "-in", signedFile, "-CAfile", Pki.CaCertificatePath]);
        Assert.True(verify.ExitCode == 0, verify.Stderr);
        Assert.Contains(signOnly.MailId.ToString("N"), verify.StdoutText, StringComparison.Ordinal);
        Assert.Equal("signed-only", Assert.Single(_protected[signOnly.MailId].Recipients).Outcome);
        Assert.Null(_protected[signOnly.MailId].ContentCipher);

        // sign-only without the producer's consent, and fail: nothing sent, every recipient named.
        Assert.False(File.Exists(Path.Combine(outbox, $"{signOnlyNotAllowed.MailId:N}.eml")));
        Assert.Contains("did not allow", _failed[signOnlyNotAllowed.MailId].Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(outbox, $"{fail.MailId:N}.eml")));
        var failOutcomes = _failed[fail.MailId].Recipients;
        Assert.Equal(2, failOutcomes.Count);
        Assert.Contains(failOutcomes, o => o.Address == Unknown && o.Outcome == "refused");
        Assert.Equal("recipient-certificate-missing", _failed[fail.MailId].ReasonCode);
        await Eventually.HoldsAsync(
            async () => await VirtualHost.CountMessagesAsync("smime-protect_error") == 2,
            TimeSpan.FromSeconds(30),
            () => "the two refused mails are not in smime-protect_error");
    }

    private ProtectEmail Mail(IEnumerable<string> to, SecurityPolicy policy)
    {
        var id = Guid.NewGuid();
        return new ProtectEmail
        {
            MailId = id,
            From = new MailAddress(Pki.SenderAddress),
            To = [.. to.Select(a => new MailAddress(a))],
            Subject = "Policy",
            TextBody = $"Marker {id:N}.",
            Policy = policy,
        };
    }

    private Dictionary<string, string?> Settings(string role, string outbox) =>
        WorkerSettings(role, outbox, ("SmimePipeline:Signer:Concurrency", "2"));
}
