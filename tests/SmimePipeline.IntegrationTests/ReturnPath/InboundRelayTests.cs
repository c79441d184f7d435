using System.Net;
using System.Text;
using SmimePipeline.CertificateDirectory;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;

namespace SmimePipeline.IntegrationTests.ReturnPath;

/// <summary>
/// The return path's intake end to end: mails S/MIME-signed by OpenSSL and DKIM-signed by python3-dkim, keys in a
/// real DNS server (dnsmasq), posted as SparkPost relay batches to a webhooks worker process, harvested by a signer
/// worker process on the real RabbitMQ.
/// </summary>
public sealed class InboundRelayTests : BrokerTest
{
    private const string RelayToken = "relay-token-0123456789abcdef";
    private const string Intake = "certificates@inbound." + DemoPki.Domain;

    [Fact]
    public async Task Only_a_signed_reply_with_aligned_DKIM_makes_its_sender_encryptable_and_every_refusal_names_its_cause()
    {
        // A correspondent the store does not know: only a harvest can make them encryptable.
        var dave = "dave@" + DemoPki.Domain;
        var daveCertificate = Path.Combine(Temp.Path, "dave.crt.pem");
        var daveKey = Path.Combine(Temp.Path, "dave.key.pem");
        using (var authority = Pki.LoadAuthority())
        using (var identity = DemoPki.CreateIdentity(authority, new DemoIdentityOptions(dave)))
        {
            DemoPki.WritePem(identity, daveCertificate, daveKey);
        }

        var ownKey = await DkimKey.CreateAsync(Temp.Path, DemoPki.Domain, "sel");
        var foreignKey = await DkimKey.CreateAsync(Temp.Path, "other.test", "sel");
        await using var dns = await DnsmasqServer.StartAsync([(ownKey.RecordName, ownKey.TxtRecord), (foreignKey.RecordName, foreignKey.TxtRecord)]);

        var (alice, bob, carol) = (Pki.RecipientAddresses[0], Pki.RecipientAddresses[1], Pki.RecipientAddresses[2]);
        byte[] good = await ownKey.SignAsync(await SmimeSignAsync(dave, daveCertificate, daveKey, "My certificate, reference 42."));
        byte[] tamperedSource = await ownKey.SignAsync(await SmimeSignAsync(alice, Pki.CertificatePath(alice), Pki.KeyPath(alice), "My certificate, reference 42."));
        byte[] tampered = Replace(tamperedSource, "reference 42", "reference 43");
        byte[] misaligned = await foreignKey.SignAsync(await SmimeSignAsync(bob, Pki.CertificatePath(bob), Pki.KeyPath(bob), "Signed by someone else's domain."));
        byte[] unsigned = await ownKey.SignAsync(Encoding.ASCII.GetBytes($"From: {carol}\r\nTo: {Intake}\r\nSubject: no S/MIME\r\n\r\nJust text.\r\n"));
        byte[] oversized = await ownKey.SignAsync(Encoding.ASCII.GetBytes($"From: {carol}\r\nTo: {Intake}\r\nSubject: big\r\n\r\n" + new string('x', 160_000) + "\r\n"));

        var store = Path.Combine(Temp.Path, "store");
        DirectoryCopy.Copy(Pki.StorePath, store);
        var directoryPath = Path.Combine(Temp.Path, "directory.sqlite");
        var outbox = Path.Combine(Temp.Path, "outbox");
        await using var signer = await WorkerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Signer,Sender",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Signer:StorePath"] = store,
            ["SmimePipeline:Signer:Concurrency"] = "1",
            ["SmimePipeline:Directory:SqlitePath"] = directoryPath,
            ["SmimePipeline:Harvest:DnsServer"] = dns.Endpoint,
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = Path.Combine(Temp.Path, "ledger.db"),
        }, Temp.Path);

        var tokenFile = Path.Combine(Temp.Path, "relay-token");
        await File.WriteAllTextAsync(tokenFile, RelayToken + "\n");
        await using var webhooks = await WorkerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Webhooks",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Webhooks:RelayTokenFile"] = tokenFile,
            ["SmimePipeline:Webhooks:MaxRequestBytes"] = "400000",
            ["SmimePipeline:Webhooks:MaxMailBytes"] = "150000",
        }, Temp.Path);

        using var http = new HttpClient { BaseAddress = webhooks.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        var goodBatch = RelayBatch.Create(new RelayBatch.Message(good, dave, Intake));

        // Refused as a whole, before anything reaches the queue.
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostRelayAsync(http, goodBatch, "not-the-token-0123456789")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostRelayAsync(http, goodBatch, null)).StatusCode);
        var malformed = await PostRelayAsync(http, "[{\"msys\": {\"relay_message\": ", RelayToken);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("not valid JSON", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostRelayAsync(http, "{\"msys\": {}}", RelayToken)).StatusCode);
        var tooLarge = await PostRelayAsync(http, "[" + new string(' ', 500_000) + "]", RelayToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);

        // One batch: the good reply, four that the signer refuses, two that the webhook drops.
        var batch = RelayBatch.Create(
            new RelayBatch.Message(good, dave, Intake),
            new RelayBatch.Message(tampered, alice, Intake),
            new RelayBatch.Message(misaligned, bob, Intake),
            new RelayBatch.Message(unsigned, carol, Intake, Base64: false),
            new RelayBatch.Message(oversized, carol, Intake));
        batch = batch.Insert(batch.Length - 1, ",{\"msys\":{\"relay_message\":{\"content\":{\"email_rfc822\":\"%%%not base64%%%\",\"email_rfc822_is_base64\":true}}}}");
        var accepted = await PostRelayAsync(http, batch, RelayToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("{\"accepted\":4,\"dropped\":2}", await accepted.Content.ReadAsStringAsync());

        using var directory = new SqliteRecipientDirectory(directoryPath);
        await Eventually.HoldsAsync(
            async () => directory.Find(dave).Count == 1
                && await VirtualHost.CountMessagesAsync($"{QueueNames.Harvest}_error") == 3,
            TimeSpan.FromSeconds(120),
            () => $"directory: {string.Join(", ", directory.List().Select(e => e.Address))}; signer output:\n{signer.Output}");

        // Nothing else changed: only dave was filed.
        Assert.Equal([dave], directory.List().Select(e => e.Address).Distinct().ToArray());

        // Each refusal names its cause: in the error queue, the metric and the log.
        var faults = (await VirtualHost.PeekAsync($"{QueueNames.Harvest}_error", 10))
            .Select(m => m.GetProperty("properties").GetProperty("headers").GetProperty("MT-Fault-Message").GetString() ?? "")
            .ToList();
        Assert.Contains(faults, f => f.Contains("No DKIM signature", StringComparison.Ordinal) && f.Contains(alice, StringComparison.Ordinal));
        Assert.Contains(faults, f => f.Contains("DKIM-signed by other.test, not by " + DemoPki.Domain, StringComparison.Ordinal) && f.Contains(bob, StringComparison.Ordinal));
        Assert.Contains(faults, f => f.Contains("not S/MIME signed", StringComparison.Ordinal) && f.Contains(carol, StringComparison.Ordinal));
        foreach (var (outcome, count) in new[] { ("harvested", 1), ("dkim-failed", 1), ("dkim-not-aligned", 1), ("not-signed", 1) })
        {
            Assert.Equal(count, await MetricsScrape.ReadAsync(signer.BaseAddress, "smime_harvests_total", "outcome", outcome));
        }

        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "too-large"));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "bad-base64"));
        Assert.Equal(2, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_requests_total", "status", "401"));
        Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_requests_total", "status", "413"));
        Assert.Contains("dkim-not-aligned", signer.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(RelayToken, webhooks.Output, StringComparison.Ordinal);

        // dave is now encryptable: a mail to him decrypts with his key in OpenSSL and verifies.
        var mail = TestMails.Create(1, Pki.SenderAddress, Pki.EcdsaSenderAddress, [dave]);
        await PublishAsync(mail);

        var delivered = Path.Combine(outbox, $"{mail.MailId:N}.eml");
        await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(delivered)), TimeSpan.FromSeconds(90), () => $"the mail to {dave} was not delivered:\n{signer.Output}");
        var inner = await OpenSslJudge.DecryptAndVerifyAsync(delivered, daveCertificate, daveKey, Pki.CaCertificatePath);
        Assert.Contains(TestMails.Marker(mail.MailId), inner, StringComparison.Ordinal);
    }

    private async Task<byte[]> SmimeSignAsync(string from, string certificate, string key, string text)
    {
        var body = Path.Combine(Temp.Path, $"body-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(body, text + "\n");
        var signed = await ExternalTool.RunAsync("openssl", [
            "cms", "-sign", "-in", body, "-text", "-signer", certificate, "-inkey", key,
            "-from", from, "-to", Intake, "-subject", "My certificate"]);
        Assert.True(signed.ExitCode == 0, signed.Stderr);
        return signed.Stdout;
    }

    private static byte[] Replace(byte[] mail, string from, string to)
    {
        var text = Encoding.ASCII.GetString(mail);
        Assert.Contains(from, text, StringComparison.Ordinal);
        return Encoding.ASCII.GetBytes(text.Replace(from, to, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> PostRelayAsync(HttpClient http, string json, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/sparkpost/relay")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Add("X-MessageSystems-Webhook-Token", token);
        }

        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
