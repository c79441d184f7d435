using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;
using SmimePipeline.Testing.SparkPost;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Messaging;

namespace SmimePipeline.IntegrationTests.Delivery;

/// <summary>
/// What every delivery test needs: its own virtual host, the SparkPost fake, a ledger file, a
/// producer bus that sends <see cref="DeliverEmail"/> straight to <c>smime-deliver</c> (no signing
/// needed) and records the <see cref="EmailDeliveryFailed"/> events.
/// </summary>
public sealed class DeliveryRig : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private IBusControl? _bus;

    private DeliveryRig(RabbitMqVirtualHost vhost, SparkPostFake fake)
    {
        VirtualHost = vhost;
        Fake = fake;
    }

    public RabbitMqVirtualHost VirtualHost { get; }

    public SparkPostFake Fake { get; }

    public string LedgerPath => Path.Combine(_temp.Path, "ledger.db");

    public ConcurrentBag<EmailDeliveryFailed> FailedEvents { get; } = [];

    public ConcurrentBag<EmailDelivered> DeliveredEvents { get; } = [];

    public static async Task<DeliveryRig> CreateAsync()
        => new(await RabbitMqVirtualHost.CreateAsync(), await SparkPostFake.StartAsync());

    /// <summary>A sender worker's settings, as configuration keys below <c>SmimePipeline</c>.</summary>
    public Dictionary<string, string?> SenderSettings(string retrySchedule = "1s,2s,3s", int breakerThreshold = 5, string breakerOpen = "00:00:02")
        => new()
        {
            ["SmimePipeline:Roles"] = "Sender",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Sender:RetrySchedule"] = retrySchedule,
            ["SmimePipeline:Sender:ImmediateRetries"] = "",
            ["SmimePipeline:Sender:BreakerFailureThreshold"] = breakerThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmimePipeline:Sender:BreakerOpenDuration"] = breakerOpen,
            ["SmimePipeline:Delivery:Provider"] = "sparkpost",
            ["SmimePipeline:Delivery:SparkPost:BaseUrl"] = Fake.BaseUrl.ToString(),
            ["SmimePipeline:Delivery:SparkPost:ApiKey"] = Fake.ApiKey,
            ["SmimePipeline:Delivery:SparkPost:Timeout"] = SparkPostFake.ClientTimeout.ToString(),
            ["SmimePipeline:Delivery:Ledger:SqlitePath"] = LedgerPath,
        };

    /// <summary>Starts the producer bus (after a worker, so that smime-deliver and its exchange exist).</summary>
    public async Task StartProducerAsync()
    {
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(VirtualHost.AmqpUri);
            DeliverEmailWireFormat.AddDeliverEmailBinaryFormat(cfg);
            cfg.ReceiveEndpoint("test-delivery-failed-events", e => e.Handler<EmailDeliveryFailed>(context =>
            {
                FailedEvents.Add(context.Message);
                return Task.CompletedTask;
            }));
            cfg.ReceiveEndpoint("test-delivered-events", e => e.Handler<EmailDelivered>(context =>
            {
                DeliveredEvents.Add(context.Message);
                return Task.CompletedTask;
            }));
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _bus.StartAsync(timeout.Token);
    }

    /// <summary>
    /// A mail shaped as the signer's sign-and-encrypt output (application/pkcs7-mime, smime-type=enveloped-data, a DER
    /// ContentInfo of type envelopedData): the sender refuses anything else. Its ciphertext is filler: these tests are
    /// about delivery, not decryption.
    /// </summary>
    public static DeliverEmail Mail(string recipient = "customer@example.org", int contentBytes = 0)
    {
        var id = Guid.NewGuid();
        var body = new StringBuilder()
            .Append("From: statements@bank.example\r\nTo: ").Append(recipient).Append("\r\nSubject: Statement\r\n")
            .Append("Message-ID: <").Append(id.ToString("N")).Append("@bank.example>\r\nMIME-Version: 1.0\r\n")
            .Append("Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n")
            .Append("Content-Transfer-Encoding: base64\r\n\r\n");
        // SEQUENCE (indefinite length) { OID 1.2.840.113549.1.7.3 envelopedData, ... } followed by the mail id as filler.
        byte[] envelopedData = [0x30, 0x80, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03, 0xA0, 0x80, .. id.ToByteArray()];
        body.Append(Convert.ToBase64String(envelopedData)).Append("\r\n");
        while (body.Length < contentBytes)
        {
            body.Append(new string('A', 76)).Append("\r\n");
        }

        return new DeliverEmail
        {
            MailId = id,
            EnvelopeFrom = "bounces@bank.example",
            EnvelopeTo = [recipient],
            Content = Encoding.ASCII.GetBytes(body.ToString()),
            Protection = AppliedProtection.SignatureAndEncryption,
        };
    }

    /// <summary>
    /// Sends to the <c>smime-deliver</c> exchange (declaring only the exchange, never the queue with other arguments), with
    /// <paramref name="configure"/> applied to each send (e.g. a header a hostile publisher sets).
    /// </summary>
    public async Task SendAsync(IEnumerable<DeliverEmail> mails, Action<SendContext<DeliverEmail>>? configure = null)
    {
        var endpoint = await _bus!.GetSendEndpoint(new Uri($"exchange:{QueueNames.Deliver}"));
        foreach (var batch in mails.Chunk(200))
        {
            await Task.WhenAll(batch.Select(m => configure is null ? endpoint.Send(m) : endpoint.Send(m, configure)));
        }
    }

    /// <summary>Sends to the <c>smime-deliver</c> exchange in the binary format a signer of issue 17 writes.</summary>
    public async Task SendBinaryAsync(IEnumerable<DeliverEmail> mails)
    {
        var endpoint = await _bus!.GetSendEndpoint(new Uri($"exchange:{QueueNames.Deliver}"));
        foreach (var batch in mails.Chunk(200))
        {
            await Task.WhenAll(batch.Select(m => endpoint.Send(m, send => DeliverEmailWireFormat.Apply(send, DeliverEmailFormat.Binary))));
        }
    }

    /// <summary>The smime-* headers of the messages in a queue (peeked, they stay).</summary>
    public async Task<List<Dictionary<string, string>>> PeekHeadersAsync(string queue, int count)
    {
        var messages = await VirtualHost.PeekAsync(queue, count);
        return messages.Select(m =>
        {
            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (m.GetProperty("properties").TryGetProperty("headers", out var h))
            {
                foreach (var p in h.EnumerateObject().Where(p => p.Name.StartsWith("smime-", StringComparison.Ordinal)))
                {
                    headers[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }

            return headers;
        }).ToList();
    }

    /// <summary>Consumers on a queue, from the management API.</summary>
    public async Task<int> ConsumersAsync(string queue)
    {
        using var http = new HttpClient { BaseAddress = TestServices.RabbitMqManagementUri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        using var response = await http.GetAsync($"api/queues/{VirtualHost.Name}/{queue}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("consumers", out var consumers) ? consumers.GetInt32() : 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (_bus is not null)
        {
            await _bus.StopAsync();
        }

        await Fake.DisposeAsync();
        await VirtualHost.DisposeAsync();
        _temp.Dispose();
    }
}
