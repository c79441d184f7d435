using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Client;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Base of the tests that run the pipeline on the real broker: a private virtual host, a demo PKI and a
/// temporary directory per test, and a producer on demand: <see cref="PublishAsync(ProtectEmail[])"/> and
/// <see cref="SendAsync{T}"/> start a producer bus, hand their messages over and stop it again; a test that needs the
/// bus itself (to watch what a producer sees) starts one with <see cref="StartProducerAsync"/>.
/// </summary>
public abstract class BrokerTest : IAsyncLifetime, IDisposable
{
    protected TempDirectory Temp { get; } = new();

    protected RabbitMqVirtualHost VirtualHost { get; private set; } = null!;

    protected DemoPki Pki { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        VirtualHost = await RabbitMqVirtualHost.CreateAsync();
        Pki = DemoPki.EnsureCreated(Path.Combine(Temp.Path, "pki"));
    }

    public async Task DisposeAsync() => await VirtualHost.DisposeAsync();

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A worker's settings on this test's virtual host with the pickup directory as the ESP, plus
    /// <paramref name="more"/>. Only a signer gets the certificate store: the sender role must work with
    /// no key material at all.
    /// </summary>
    protected Dictionary<string, string?> WorkerSettings(string role, string outbox, params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = role,
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline:Signer:StorePath"] = role == "Signer" ? Pki.StorePath : null,
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>
    /// A signer as its own process (<see cref="WorkerProcess"/>, whose output a test reads) on this test's virtual host,
    /// delivering into <c>outbox</c> in <see cref="Temp"/>, with <see cref="WorkerSettings"/> plus <paramref name="more"/>.
    /// </summary>
    protected Task<WorkerProcess> StartSignerProcessAsync(params (string Key, string? Value)[] more) =>
        WorkerProcess.StartAsync(WorkerSettings("Signer", Path.Combine(Temp.Path, "outbox"), more), Temp.Path);

    /// <summary>
    /// A mail from the demo RSA sender to the first demo recipient alone, so a test can name the one key that must
    /// open it.
    /// </summary>
    protected ProtectEmail OneRecipientMail() =>
        TestMails.Create(0, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses) with
        {
            From = new MailAddress(Pki.SenderAddress),
            To = [new MailAddress(Pki.RecipientAddresses[0])],
        };

    /// <summary>A <see cref="TestMails.LargeStatement"/> from the demo RSA sender to the first demo recipient alone.</summary>
    protected ProtectEmail LargeStatement(int attachmentBytes) =>
        TestMails.LargeStatement(Pki.SenderAddress, Pki.RecipientAddresses[0], attachmentBytes);

    /// <summary>
    /// Waits up to <paramref name="within"/> for <paramref name="mail"/>'s file (<c>{MailId:N}.eml</c>) in the pickup
    /// directory <paramref name="outbox"/>, then has OpenSSL decrypt it with the demo key of its first To recipient and
    /// verify its signature against the demo CA, and asserts that the result carries the mail's marker. Fails with
    /// <paramref name="notDelivered"/> when the file never appears, with OpenSSL's error when it does not read.
    /// </summary>
    protected async Task AssertDeliveredAndReadableAsync(string outbox, ProtectEmail mail, TimeSpan within, string notDelivered)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var file = Path.Combine(outbox, $"{mail.MailId:N}.eml");
        await Eventually.HoldsAsync(() => Task.FromResult(File.Exists(file)), within, () => notDelivered);
        var recipient = mail.To[0].Address;
        Assert.Contains(
            TestMails.Marker(mail.MailId),
            await OpenSslJudge.DecryptAndVerifyAsync(file, Pki.CertificatePath(recipient), Pki.KeyPath(recipient), Pki.CaCertificatePath),
            StringComparison.Ordinal);
    }

    /// <summary>
    /// Publishes <paramref name="mails"/> in the order given, each confirmed by the broker before the next is
    /// published, on a producer bus started for the purpose and stopped before this returns (also when a publish
    /// fails, whose exception then propagates).
    /// </summary>
    protected Task PublishAsync(params ProtectEmail[] mails) => PublishAsync(mails, inFlight: 1);

    /// <summary>
    /// Publishes <paramref name="mails"/> through <see cref="SmimeMailPublisher"/> on a producer bus started for the
    /// purpose, with up to <paramref name="inFlight"/> publishes awaiting their confirms at once (1: strictly in order),
    /// and stops the bus before this returns, also when a publish fails (whose exception then propagates).
    /// <paramref name="client"/> configures the publisher (default: <see cref="SmimePipelineClientOptions"/>' defaults).
    /// </summary>
    protected async Task PublishAsync(IReadOnlyList<ProtectEmail> mails, int inFlight, SmimePipelineClientOptions? client = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFlight, 1);
        var bus = await StartProducerAsync();
        try
        {
            var publisher = new SmimeMailPublisher(bus, Options.Create(client ?? new SmimePipelineClientOptions()));
            foreach (var batch in mails.Chunk(inFlight))
            {
                await Task.WhenAll(batch.Select(m => publisher.ProtectAsync(m)));
            }
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>
    /// Sends <paramref name="messages"/> in order to the exchange of <paramref name="queue"/> (each confirmed before
    /// the next) on a producer bus started for the purpose and stopped before this returns, also when a send fails.
    /// </summary>
    protected async Task SendAsync<T>(string queue, params T[] messages)
        where T : class
    {
        var bus = await StartProducerAsync();
        try
        {
            var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
            foreach (var message in messages)
            {
                await endpoint.Send(message);
            }
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>A started producer bus on this test's virtual host (what a producer service runs).</summary>
    protected async Task<IBusControl> StartProducerAsync()
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(VirtualHost.AmqpUri));
        var starting = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        WaitBudgetLog.Record("producer bus start", TimeSpan.FromSeconds(60), starting.Elapsed, met: true, nameof(BrokerTest), 0);
        return bus;
    }
}
