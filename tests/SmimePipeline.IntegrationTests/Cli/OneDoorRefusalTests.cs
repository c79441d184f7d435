using System.Text;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Cli;

/// <summary>
/// Session 20's audit of the doors: the same bad mail, through the signer worker (a <see cref="ProtectMimeMessage"/> on the
/// real RabbitMQ) and through <c>smime protect</c> (the built CLI, the worker's settings in its environment under the same
/// keys), is refused under the same reason code. Before, <c>smime protect</c> took the protection settings' defaults instead
/// of <c>SmimePipeline:Signer:Protection</c> (it signed what a worker with a header limit or an algorithm allow-list refuses),
/// named an oversize file <c>invalid-message</c> where the worker says <c>message-too-large</c>, and answered an empty file
/// with a usage error (exit 1) where the worker refuses it as <c>invalid-message</c>, and knew only its own <c>--store</c>
/// (not the worker's mounted identities, table prefix, password file, cache and revocation settings): a sender whose
/// mounted identity had expired was <c>signer-key-missing</c> there and <c>certificate-expired</c> in the worker.
/// </summary>
public sealed class OneDoorRefusalTests : BrokerTest
{
    private const string MountedAddress = "mounted@" + DemoPki.Domain;

    // What a deployment might set: a header limit, a size limit, an allow-list without AES-128-CBC, and mounted signer
    // identities (a Kubernetes Secret) holding one whose certificate has expired.
    private static (string Key, string Value)[] Settings(string identities) =>
    [
        ("SmimePipeline:Signer:Protection:MaxHeaderBytes", "4096"),
        ("SmimePipeline:MaxMessageBytes", "65536"),
        ("SmimePipeline:Signer:IdentitiesPath", identities),
        .. new[] { "rsa-pkcs1", "ecdsa", "sha256", "sha384", "aes256-cbc", "aes256-gcm", "rsaes-pkcs1", "ecdh" }
            .Select((a, i) => ($"SmimePipeline:Signer:Protection:AllowedAlgorithms:{i}", a)),
    ];

    [Fact]
    public async Task The_worker_and_smime_protect_refuse_the_same_bad_mail_under_the_same_code()
    {
        var identities = Path.Combine(Temp.Path, "identities");
        Directory.CreateDirectory(Path.Combine(identities, "mounted"));
        using (var authority = Pki.LoadAuthority())
        using (var expired = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(MountedAddress)
        {
            NotBefore = DateTimeOffset.UtcNow.AddDays(-60),
            NotAfter = DateTimeOffset.UtcNow.AddDays(-30),
        }))
        {
            DemoPki.WritePem(expired, Path.Combine(identities, "mounted", "tls.crt"), Path.Combine(identities, "mounted", "tls.key"));
        }

        var settings = Settings(identities);
        await using var worker = await WorkerHost.StartAsync(WorkerSettings(
            "Signer", Path.Combine(Temp.Path, "outbox"), [.. settings.Select(s => (s.Key, (string?)s.Value))]));
        await using var events = await FailureEventCollector.StartAsync(VirtualHost.AmqpUri, "test-one-door-failed-events");
        var cliEnvironment = settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);

        var headers = new StringBuilder();
        for (var i = 0; i < 6; i++)
        {
            headers.Append($"X-Note-{i}: ").Append('n', 900).Append("\r\n");
        }

        var body = new StringBuilder();
        while (body.Length < 70_000)
        {
            body.Append('b', 76).Append("\r\n");
        }

        var cases = new (string What, byte[] Mail, string? Cipher, string Code)[]
        {
            ("headers above Signer:Protection:MaxHeaderBytes", Mail(headers.ToString(), "Hello."), null, "invalid-header"),
            ("a cipher outside Signer:Protection:AllowedAlgorithms", Mail("", "Hello."), "aes128-cbc", "algorithm-not-allowed"),
            ("a message above MaxMessageBytes", Mail("", body.ToString()), null, "message-too-large"),
            ("an empty message", [], null, "invalid-message"),
            ("a sender whose mounted identity has expired", Mail("", "Hello.", MountedAddress), null, "certificate-expired"),
        };

        // The control: a good mail passes the CLI with the same settings (they do not refuse everything).
        var good = await ProtectAsync(Mail("", "Hello."), null, cliEnvironment, "good");
        Assert.True(good.ExitCode == 0, good.Describe());

        foreach (var (what, mail, cipher, code) in cases)
        {
            var mailId = Guid.NewGuid();
            await SendAsync(QueueNames.Protect, new ProtectMimeMessage { MailId = mailId, Message = mail, Policy = new SecurityPolicy { Cipher = cipher } });
            await Eventually.HoldsAsync(
                () => Task.FromResult(events.Failed.Any(f => f.MailId == mailId)),
                TimeSpan.FromSeconds(90),
                () => $"the worker did not report {what}");
            var byWorker = Assert.Single(events.Failed, f => f.MailId == mailId);

            var byCli = await ProtectAsync(mail, cipher, cliEnvironment, code);
            Assert.True(byCli.ExitCode == 2, $"{what}: {byCli.Describe()}");
            Assert.True(byWorker.ReasonCode == code, $"{what}: the worker refused it as {byWorker.ReasonCode}: {byWorker.Reason}");
            Assert.Contains($"smime: refused ({code}): ", byCli.Stderr, StringComparison.Ordinal);
        }
    }

    private byte[] Mail(string extraHeaders, string text, string? from = null) => Encoding.ASCII.GetBytes(
        $"From: <{from ?? Pki.SenderAddress}>\r\nTo: <{Pki.RecipientAddresses[0]}>\r\nSubject: One door\r\n{extraHeaders}\r\n{text}\r\n");

    private async Task<Testing.ToolResult> ProtectAsync(byte[] mail, string? cipher, IReadOnlyDictionary<string, string> environment, string name)
    {
        var input = Path.Combine(Temp.Path, $"{name}.eml");
        var output = Path.Combine(Temp.Path, $"{name}.protected.eml");
        await File.WriteAllBytesAsync(input, mail);
        string[] arguments = ["protect", input, "-o", output, "--store", Pki.StorePath, .. cipher is null ? Array.Empty<string>() : ["--cipher", cipher]];
        var result = await SmimeCli.RunAsync(arguments, environment);
        Assert.Equal(result.ExitCode == 0, File.Exists(output));
        return result;
    }
}
