using MassTransit;
using SmimePipeline.Client;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.IntegrationTests.Infrastructure;
using SmimePipeline.Testing;

namespace SmimePipeline.IntegrationTests.Deployment;

/// <summary>
/// SIGTERM (what Kubernetes sends) to a signer process in the middle of a stream: it stops taking
/// mail, finishes or returns what it holds, exits within the grace period, and no mail is lost.
/// </summary>
public sealed class GracefulShutdownTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _temp = new();
    private RabbitMqVirtualHost _vhost = null!;
    private DemoPki _pki = null!;

    public async Task InitializeAsync()
    {
        _vhost = await RabbitMqVirtualHost.CreateAsync();
        _pki = DemoPki.EnsureCreated(Path.Combine(_temp.Path, "pki"));
    }

    public async Task DisposeAsync() => await _vhost.DisposeAsync();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_signer_stopped_with_SIGTERM_mid_stream_exits_within_the_grace_period_and_loses_nothing()
    {
        const int count = 400;
        var shutdownTimeout = TimeSpan.FromSeconds(10);
        var outbox = Path.Combine(_temp.Path, "outbox");
        var signerEnvironment = new Dictionary<string, string?>
        {
            ["SmimePipeline__Roles"] = "Signer",
            ["SmimePipeline__Transport"] = "RabbitMq",
            ["SmimePipeline__RabbitMq__Uri"] = _vhost.AmqpUri.ToString(),
            ["SmimePipeline__Signer__StorePath"] = _pki.StorePath,
            ["SmimePipeline__Signer__Concurrency"] = "2",
            ["SmimePipeline__ShutdownTimeout"] = shutdownTimeout.ToString(),
        };
        await using var sender = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["SmimePipeline:Roles"] = "Sender",
            ["SmimePipeline:Transport"] = "RabbitMq",
            ["SmimePipeline:RabbitMq:Uri"] = _vhost.AmqpUri.ToString(),
            ["SmimePipeline:Delivery:Provider"] = "pickup",
            ["SmimePipeline:Delivery:Pickup:Directory"] = outbox,
        });
        var first = await WorkerProcess.StartAsync(signerEnvironment, _temp.Path);

        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(_vhost.AmqpUri));
        await bus.StartAsync();
        try
        {
            var publisher = new SmimeMailPublisher(bus);
            foreach (var batch in Enumerable.Range(0, count).Chunk(100))
            {
                await Task.WhenAll(batch.Select(i => publisher.ProtectAsync(TestMails.Create(i, _pki.SenderAddress, _pki.EcdsaSenderAddress, _pki.RecipientAddresses))));
            }
        }
        finally
        {
            await bus.StopAsync();
        }

        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length >= 20),
            TimeSpan.FromSeconds(60),
            () => $"the signer never got going:\n{first.Output}");

        var exitedAfter = await first.TerminateAsync(shutdownTimeout + TimeSpan.FromSeconds(10));
        var deliveredAtStop = Directory.GetFiles(outbox, "*.eml").Length;
        Assert.True(exitedAfter < shutdownTimeout + TimeSpan.FromSeconds(5), $"the signer took {exitedAfter.TotalSeconds:F1} s to exit");
        Assert.Equal(0, first.ExitCode);
        Assert.True(deliveredAtStop < count, "the stream had already finished: the SIGTERM did not land mid-stream");
        await first.DisposeAsync();

        // The mail the first signer did not finish is still on the queue; a new signer takes it.
        await using var second = await WorkerProcess.StartAsync(signerEnvironment, _temp.Path);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.GetFiles(outbox, "*.eml").Length == count),
            TimeSpan.FromMinutes(2),
            () => $"{Directory.GetFiles(outbox, "*.eml").Length} of {count} mails delivered after the restart");
        Assert.Equal(0, await _vhost.CountMessagesAsync("smime-protect_error"));
        Assert.Equal(0, await _vhost.CountMessagesAsync("smime-deliver_error"));
    }
}
