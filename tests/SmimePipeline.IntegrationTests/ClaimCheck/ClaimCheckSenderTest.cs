using SmimePipeline.IntegrationTests.Delivery;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.ClaimCheck;

/// <summary>
/// Base of the claim-check tests on the real RabbitMQ: a <see cref="DeliveryRig"/> (virtual host, SparkPost fake,
/// producer and the events), a temporary directory, and an in-process sender whose claim directory is
/// <see cref="Claims"/>.
/// </summary>
public abstract class ClaimCheckSenderTest : IAsyncLifetime, IDisposable
{
    protected TempDirectory Temp { get; } = new();

    protected DeliveryRig Rig { get; private set; } = null!;

    /// <summary>The sender's claim directory, <c>claims</c> in <see cref="Temp"/> (the sender creates it).</summary>
    protected string Claims => Temp.File("claims");

    public async Task InitializeAsync() => Rig = await DeliveryRig.CreateAsync();

    public async Task DisposeAsync() => await Rig.DisposeAsync();

    public void Dispose()
    {
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Starts the sender on <see cref="Claims"/> with the rig's sender settings, then the rig's producer.</summary>
    protected async Task<WorkerHost> StartSenderAsync()
    {
        var settings = Rig.SenderSettings();
        settings["SmimePipeline:ClaimCheck:Directory"] = Claims;
        var sender = await WorkerHost.StartAsync(settings);
        await Rig.StartProducerAsync();
        return sender;
    }
}
