using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing.Pkcs11;
using SmimePipeline.Worker.Signing;

namespace SmimePipeline.IntegrationTests.Pkcs11;

/// <summary>
/// Signers whose keys live in a SoftHSM2 token, on the real RabbitMQ: mail signed in the token decrypts and verifies
/// with OpenSSL, no key file exists in the store, and a token that goes away costs no mail.
/// </summary>
public sealed class Pkcs11PipelineTests : BrokerTest
{
    private const string RsaSender = "hsm-rsa@" + DemoPki.Domain;
    private const string EcSender = "hsm-ec@" + DemoPki.Domain;

    [Fact]
    public async Task Mail_signed_with_RSA_and_EC_keys_in_the_token_decrypts_and_verifies_and_no_key_file_exists()
    {
        var keys = await FileTokenSignersAsync();
        string outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));

        var mails = await PublishTokenSignedMailsAsync(20);
        await WaitDeliveredAsync(outbox, mails.Count);

        await JudgeAsync(outbox, mails);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));
        var signers = new DirectoryCertificateStore(Pki.StorePath).List().Where(e => e.Address is RsaSender or EcSender).ToList();
        Assert.Equal(2, signers.Count);
        Assert.All(signers, e => Assert.Equal(SignerKeyLocation.Pkcs11, e.KeyLocation));
        foreach (var file in Directory.EnumerateFiles(Pki.StorePath, "*", SearchOption.AllDirectories).Where(f => f.Contains("hsm-", StringComparison.Ordinal)))
        {
            Assert.False(file.EndsWith(".key.pem", StringComparison.Ordinal), $"{file} is a private key file");
            Assert.DoesNotContain("PRIVATE KEY", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }

        var provider = signer.Services.GetRequiredService<Pkcs11KeyProvider>();
        Assert.False(provider.ReadProtection(Pkcs11Uri.Parse(keys.RsaUri)).Extractable);
        Assert.False(provider.ReadProtection(Pkcs11Uri.Parse(keys.EcUri)).Extractable);
    }

    [Fact]
    public async Task A_token_that_goes_away_mid_run_loses_no_mail_turns_readiness_unhealthy_and_recovers()
    {
        var keys = await FileTokenSignersAsync();
        string outbox = Path.Combine(Temp.Path, "outbox-outage");
        await using var signer = await WorkerHost.StartAsync(Settings("Signer", outbox));
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var health = signer.Services.GetRequiredService<HealthCheckService>();

        var before = await PublishTokenSignedMailsAsync(10);
        await WaitDeliveredAsync(outbox, before.Count);
        Assert.Equal(HealthStatus.Healthy, (await ReadinessAsync(health)).Status);

        // The HSM goes away: every session and the login vanish (C_CloseAllSessions, as when the HSM restarts or
        // fails over) and it cannot be logged into until it is back (here: its PIN Secret is not mounted).
        string pinFile = PinFile;
        string parked = pinFile + ".away";
        File.Move(pinFile, parked);
        CloseAllSessions(keys.Token);
        var during = await PublishTokenSignedMailsAsync(10);
        await Eventually.HoldsAsync(
            async () => (await ReadinessAsync(health)).Status == HealthStatus.Unhealthy,
            TimeSpan.FromSeconds(60),
            () => "readiness stayed healthy while the token was away");
        var report = await ReadinessAsync(health);
        Assert.Contains(keys.Token, report.Entries["pkcs11"].Description, StringComparison.Ordinal);
        Assert.DoesNotContain(SoftHsm.UserPin, report.Entries["pkcs11"].Description, StringComparison.Ordinal);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));

        // The HSM is back: readiness recovers and every mail of the outage is delivered, none dead-lettered.
        File.Move(parked, pinFile);
        await Eventually.HoldsAsync(
            async () => (await ReadinessAsync(health)).Status == HealthStatus.Healthy,
            TimeSpan.FromSeconds(60),
            () => "readiness did not recover after the token came back");
        await WaitDeliveredAsync(outbox, before.Count + during.Count);
        await JudgeAsync(outbox, [.. before, .. during]);
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));
    }

    [Fact]
    public async Task A_token_that_stays_away_past_its_retry_period_dead_letters_the_mail_as_signer_key_unavailable_with_event_log_line_and_metric()
    {
        var keys = await FileTokenSignersAsync();
        var period = TimeSpan.FromSeconds(2);
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-key-unavailable-events");
        // In this process, as the outage test: closing the token's sessions reaches only the module loaded here.
        var logs = new RecordingLoggerProvider();
        await using var signer = await WorkerHost.StartAsync(
            WorkerSettings(
                "Signer",
                Path.Combine(Temp.Path, "outbox-key-unavailable"),
                ("SmimePipeline:Signer:Pkcs11:ModulePath", SoftHsm.ModulePath),
                ("SmimePipeline:Signer:Pkcs11:PinFile", PinFile),
                ("SmimePipeline:Signer:KeyUnavailableRetryPeriod", period.ToString())),
            builder => builder.Logging.AddProvider(logs));
        string Output() => string.Join('\n', logs.Lines);

        // The HSM goes away and stays away (its PIN Secret not mounted, every session closed).
        string parked = PinFile + ".away";
        File.Move(PinFile, parked);
        CloseAllSessions(keys.Token);
        try
        {
            var mail = Assert.Single(await PublishTokenSignedMailsAsync(1));
            long inError = 0;
            await Eventually.HoldsAsync(
                async () => (inError = await VirtualHost.CountMessagesAsync("smime-protect_error")) == 1 && events.Failed.Any(f => f.MailId == mail.MailId),
                TimeSpan.FromSeconds(120),
                () => $"{inError} in smime-protect_error, {events.Failed.Count} events:\n{Output()}");

            var reported = Assert.Single(events.Failed, f => f.MailId == mail.MailId);
            Assert.Equal(FailureStage.Protect, reported.Stage);
            Assert.Equal(Pkcs11UnavailableException.KeyUnavailable, reported.ReasonCode);
            Assert.Contains(keys.Token, reported.Reason, StringComparison.Ordinal);
            var dead = Assert.Single(await VirtualHost.PeekAsync("smime-protect_error", 5));
            var fault = dead.GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString()!;
            Assert.StartsWith(Pkcs11UnavailableException.KeyUnavailable + ": ", fault, StringComparison.Ordinal);

            var line = $"Mail {mail.MailId:D} dead-lettered at protect: {Pkcs11UnavailableException.KeyUnavailable}: ";
            await DeadLetterLog.AssertOneLineAsync(Output, line, "the exhausted token retry");
            Assert.Contains(keys.Token, Assert.Single(Output().Split('\n'), l => l.Contains(line, StringComparison.Ordinal)), StringComparison.Ordinal);
            // One warning per wait of the schedule (0.5 s, 1 s, 0.5 s): the retry is the consumer's, not repeated per consumer.
            Assert.Equal(
                KeyUnavailableRetry.Intervals(period).Count,
                Output().Split('\n').Count(l => l.Contains($"Mail {mail.MailId:D}: the signer's PKCS#11 token is unavailable", StringComparison.Ordinal)));
            Assert.Equal(1, signer.Telemetry.FailedTotal);
            Assert.DoesNotContain(SoftHsm.UserPin, Output(), StringComparison.Ordinal);
            Assert.DoesNotContain(SoftHsm.UserPin, reported.Reason, StringComparison.Ordinal);
        }
        finally
        {
            File.Move(parked, PinFile);
        }
    }

    private string PinFile => Path.Combine(Temp.Path, "hsm-pin");

    private Dictionary<string, string?> Settings(string role, string outbox) => WorkerSettings(
        role,
        outbox,
        ("SmimePipeline:Signer:Pkcs11:ModulePath", SoftHsm.ModulePath),
        ("SmimePipeline:Signer:Pkcs11:PinFile", PinFile));

    /// <summary>Issues this test's certificates for the token's keys and files both signers as pkcs11: URIs.</summary>
    private async Task<PipelineTokenKeys> FileTokenSignersAsync()
    {
        var keys = await PipelineToken.GetAsync();
        await File.WriteAllTextAsync(PinFile, SoftHsm.UserPin + "\n");
        using var authority = Pki.LoadAuthority();
        using var store = new DirectoryCertificateStore(Pki.StorePath);
        using var provider = new Pkcs11KeyProvider(new Pkcs11Options { ModulePath = SoftHsm.ModulePath, PinFile = PinFile });
        foreach (var (address, publicKey, uri) in new[] { (RsaSender, keys.RsaPublicKey, keys.RsaUri), (EcSender, keys.EcPublicKey, keys.EcUri) })
        {
            using var certificate = TokenCertificates.Issue(authority, address, publicKey);
            var parsed = Pkcs11Uri.Parse(uri);
            provider.OpenKey(parsed, certificate).Dispose();
            store.ImportPkcs11Signer(parsed, certificate, []);
        }

        return keys;
    }

    private async Task<List<Contracts.ProtectEmail>> PublishTokenSignedMailsAsync(int count)
    {
        var mails = Enumerable.Range(0, count).Select(i => TestMails.Create(i, RsaSender, EcSender, Pki.RecipientAddresses)).ToList();
        await PublishAsync(mails, inFlight: 100);
        return mails;
    }

    private static Task WaitDeliveredAsync(string outbox, int count) => Eventually.HoldsAsync(
        () => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length >= count),
        TimeSpan.FromMinutes(3),
        () => $"{(Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.eml").Length : 0)} of {count} mails delivered");

    private async Task JudgeAsync(string outbox, IReadOnlyList<Contracts.ProtectEmail> mails)
    {
        foreach (var mail in mails)
        {
            string recipient = mail.To[0].Address;
            string content = await OpenSslJudge.DecryptAndVerifyAsync(Path.Combine(outbox, $"{mail.MailId:N}.eml"), Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath);
            Assert.Contains(TestMails.Marker(mail.MailId), content, StringComparison.Ordinal);
        }
    }

    private static Task<HealthReport> ReadinessAsync(HealthCheckService health) =>
        health.CheckHealthAsync(r => r.Tags.Contains("ready"));

    private static void CloseAllSessions(string label)
    {
        var module = Pkcs11Module.Load(SoftHsm.ModulePath);
        var slot = module.Library.GetSlotList(Net.Pkcs11Interop.Common.SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == label);
        slot.CloseAllSessions();
    }
}
