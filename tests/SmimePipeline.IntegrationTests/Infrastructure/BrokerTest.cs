using MassTransit;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Infrastructure;

/// <summary>
/// Base of the tests that run the pipeline on the real broker: a private virtual host, a demo PKI and a
/// temporary directory per test, and a producer bus on demand.
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

    /// <summary>A started producer bus on this test's virtual host (what a producer service runs).</summary>
    protected async Task<IBusControl> StartProducerAsync()
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(VirtualHost.AmqpUri));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bus.StartAsync(timeout.Token);
        return bus;
    }
}
