using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Delivery.Ledger;
using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.ReturnPath;

/// <summary>
/// Each SMTP mail's fate: a sender worker delivers through the real smtp-sink (which announces DSN), then delivery
/// status notifications in RFC 3464's exact shape (built here from what smtp-sink received: no MTA on this machine
/// generates bounces for it) are posted to the webhooks worker process's raw endpoint, one of them twice.
/// </summary>
public sealed class SmtpBounceTests : IAsyncLifetime, IDisposable
{
    private const string RawToken = "raw-token-dsn-0123456789abcdef";
    private readonly TempDirectory _temp = new();
    private DeliveryRig _rig = null!;

    public async Task InitializeAsync() => _rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_bounce_posted_twice_to_the_raw_endpoint_is_recorded_and_published_once_and_strangers_are_refused()
    {
        var bob = $"bob-{Guid.NewGuid():N}@customer.example";
        var carol = $"carol-{Guid.NewGuid():N}@customer.example";
        var settings = _rig.SenderSettings();
        settings["SmimePipeline:Delivery:Provider"] = "smtp";
        settings["SmimePipeline:Delivery:Smtp:Host"] = TestServices.SmtpHost;
        settings["SmimePipeline:Delivery:Smtp:Port"] = TestServices.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["SmimePipeline:Delivery:Smtp:Security"] = "None";
        await using var sender = await WorkerHost.StartAsync(settings);

        var tokenFile = Path.Combine(_temp.Path, "raw-token");
        await File.WriteAllTextAsync(tokenFile, RawToken + "\n");
        await using var webhooks = await WorkerProcess.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Webhooks",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = _rig.VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Webhooks:RawTokenFile"] = tokenFile,
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = _rig.LedgerPath,
        }, _temp.Path);

        // A producer's consumer, one message at a time: a later bounce proves earlier publications arrived.
        var bounced = new ConcurrentQueue<EmailRecipientBounced>();
        var consumer = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(_rig.VirtualHost.AmqpUri);
            cfg.ReceiveEndpoint("test-smtp-bounces", e =>
            {
                e.PrefetchCount = 1;
                e.ConcurrentMessageLimit = 1;
                e.Handler<EmailRecipientBounced>(c => { bounced.Enqueue(c.Message); return Task.CompletedTask; });
            });
        });
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await consumer.StartAsync(timeout.Token);
        }

        try
        {
            await _rig.StartProducerAsync();
            var mail = DeliveryRig.Mail() with { EnvelopeTo = [bob, carol] };
            await _rig.SendAsync([mail]);

            // What went over SMTP: ENVID is the mail id, only headers are asked back, and the header is on the mail.
            var received = await SmtpSinkMailbox.ForTestServices().WaitForMessageToAsync(bob, TimeSpan.FromSeconds(90));
            var dump = await File.ReadAllLinesAsync(Path.Combine(TestServices.SmtpDirectory, received.FileName));
            Assert.Contains(dump, l => l.StartsWith("X-Mail-Args:", StringComparison.Ordinal) && l.Contains($"ENVID={mail.MailId:N}", StringComparison.Ordinal) && l.Contains("RET=HDRS", StringComparison.Ordinal));
            Assert.Equal(2, dump.Count(l => l.StartsWith("X-Rcpt-Args:", StringComparison.Ordinal) && l.Contains("NOTIFY=FAILURE,DELAY", StringComparison.Ordinal)));
            string returnedHeaders = Encoding.ASCII.GetString(received.Content).Split("\r\n\r\n")[0] + "\r\n";
            Assert.Contains($"X-Smime-Mail-Id: {mail.MailId:N}\r\n", returnedHeaders, StringComparison.Ordinal);

            var deliveries = new SqliteDeliveryLedger(_rig.LedgerPath);
            await Eventually.HoldsAsync(
                async () => (await deliveries.FindAsync(mail.MailId, CancellationToken.None))?.State == DeliveryLedgerState.Accepted,
                TimeSpan.FromSeconds(60),
                () => "the delivery ledger never recorded the mail as accepted");

            var at = DateTimeOffset.UtcNow.AddMinutes(-1);
            var hardAndDelay = Dsn(
                $"Original-Envelope-Id: {mail.MailId:N}",
                [Recipient(bob, "failed", "5.1.1", "smtp; 550 5.1.1 <" + bob + ">: Recipient address rejected: User unknown", at),
                 Recipient(carol, "delayed", "4.4.1", "smtp; 421 4.4.1 connection timed out", at)],
                returnedHeaders);
            // From an MTA that dropped the ENVID: the returned header names the mail.
            var soft = Dsn(null, [Recipient(carol, "failed", "4.4.7", "X-Postfix; delivery temporarily suspended: message expired", at.AddSeconds(30))], returnedHeaders);
            var unknown = Dsn($"Original-Envelope-Id: {Guid.NewGuid():N}", [Recipient(bob, "failed", "5.1.1", null, at)], "Subject: someone else's\r\n");
            var anonymous = Dsn(null, [Recipient(bob, "failed", "5.1.1", null, at)], "Subject: no id\r\n");

            using var http = new HttpClient { BaseAddress = webhooks.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(http, hardAndDelay, "not-the-token")).StatusCode);
            var first = await PostAsync(http, hardAndDelay, RawToken);
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("{\"accepted\":2,\"dropped\":0}", await first.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, hardAndDelay, RawToken)).StatusCode);

            var stranger = await PostAsync(http, unknown, RawToken);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, stranger.StatusCode);
            Assert.Contains("which the delivery ledger does not know", await stranger.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var nameless = await PostAsync(http, anonymous, RawToken);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, nameless.StatusCode);
            Assert.Contains("names no mail id", await nameless.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            Assert.Equal(HttpStatusCode.OK, (await PostAsync(http, soft, RawToken)).StatusCode);
            await Eventually.HoldsAsync(() => Task.FromResult(bounced.Any(b => b.Recipient == carol)), TimeSpan.FromSeconds(60), () => "carol's bounce never reached the consumer");

            // Once each, in order: bob's hard bounce (posted twice), then carol's soft one.
            var seen = bounced.ToArray();
            Assert.Equal([(bob, true), (carol, false)], seen.Select(b => (b.Recipient, b.Hard)).ToArray());
            Assert.All(seen, b => Assert.Equal((mail.MailId, "smtp"), (b.MailId, b.Provider)));
            Assert.Contains("User unknown", seen[0].RemoteAnswer, StringComparison.Ordinal);

            var story = await new SqliteRecipientFateLedger(_rig.LedgerPath).ListAsync(mail.MailId, CancellationToken.None);
            Assert.Equal(
                [(bob, RecipientFateKind.Bounced), (carol, RecipientFateKind.Delayed), (carol, RecipientFateKind.Bounced)],
                story.Select(f => (f.Recipient, f.Kind)).ToArray());

            var shown = await SmimeCli.RunAsync(["mail", "show", mail.MailId.ToString("D"), "--ledger", _rig.LedgerPath]);
            Assert.True(shown.ExitCode == 0, shown.Stderr);
            var lines = shown.StdoutText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines, l => l.Contains($"{bob}: bounced, hard", StringComparison.Ordinal) && l.Contains("5.1.1", StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains($"{carol}: delayed", StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains($"{carol}: bounced, soft", StringComparison.Ordinal) && l.Contains("4.4.7", StringComparison.Ordinal));

            Assert.Equal(2, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_events_total", "type", "dsn_failed"));
            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_esp_events_total", "type", "dsn_delayed"));
            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "unknown-mail-id"));
            Assert.Equal(1, await MetricsScrape.ReadAsync(webhooks.BaseAddress, "smime_webhook_entries_total", "outcome", "no-mail-id"));
            Assert.Contains("does not know", webhooks.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(RawToken, webhooks.Output, StringComparison.Ordinal);
        }
        finally
        {
            await consumer.StopAsync();
        }
    }

    private static string Recipient(string address, string action, string status, string? diagnostic, DateTimeOffset at) =>
        $"Final-Recipient: rfc822; {address}\r\nOriginal-Recipient: rfc822;{address}\r\nAction: {action}\r\nStatus: {status}\r\nRemote-MTA: dns; mx.customer.example\r\n"
        + (diagnostic is null ? "" : $"Diagnostic-Code: {diagnostic}\r\n")
        + FormattableString.Invariant($"Last-Attempt-Date: {at.UtcDateTime:ddd, dd MMM yyyy HH:mm:ss} +0000\r\n");

    /// <summary>RFC 3464 §2 / RFC 6522: multipart/report with a human part, message/delivery-status and text/rfc822-headers.</summary>
    private static byte[] Dsn(string? envelopeIdField, string[] recipients, string returnedHeaders)
    {
        const string boundary = "dsn-boundary-0123";
        var builder = new StringBuilder()
            .Append("From: MAILER-DAEMON@relay.bank.example (Mail Delivery System)\r\n")
            .Append("To: bounces@bank.example\r\n")
            .Append("Subject: Undelivered Mail Returned to Sender\r\n")
            .Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("ddd, dd MMM yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append(" +0000\r\n")
            .Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@relay.bank.example>\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/report; report-type=delivery-status; boundary=\"").Append(boundary).Append("\"\r\n\r\n")
            .Append("This is a MIME-encapsulated message.\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
            .Append("I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n")
            .Append("--").Append(boundary).Append("\r\nContent-Type: message/delivery-status\r\n\r\n")
            .Append("Reporting-MTA: dns; relay.bank.example\r\n");
        if (envelopeIdField is not null)
        {
            builder.Append(envelopeIdField).Append("\r\n");
        }

        builder.Append("Arrival-Date: ").Append(DateTimeOffset.UtcNow.AddMinutes(-5).ToString("ddd, dd MMM yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append(" +0000\r\n");
        foreach (var recipient in recipients)
        {
            builder.Append("\r\n").Append(recipient);
        }

        builder.Append("\r\n--").Append(boundary).Append("\r\nContent-Type: text/rfc822-headers\r\n\r\n")
            .Append(returnedHeaders)
            .Append("\r\n--").Append(boundary).Append("--\r\n");
        return Encoding.ASCII.GetBytes(builder.ToString());
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] mail, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/raw") { Content = new ByteArrayContent(mail) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }
}
