using SmimePipeline.IntegrationTests.Infrastructure;

namespace SmimePipeline.IntegrationTests.Deployment;

/// <summary>
/// SIGTERM (what Kubernetes sends) to a signer process in the middle of a stream: it stops taking
/// mail, finishes or returns what it holds, exits within the grace period, and no mail is lost.
/// </summary>
public sealed class GracefulShutdownTests : BrokerTest
{
    [Fact]
    public async Task A_signer_stopped_with_SIGTERM_mid_stream_exits_within_the_grace_period_and_loses_nothing()
    {
        const int count = 400;
        var shutdownTimeout = TimeSpan.FromSeconds(10);
        var outbox = Path.Combine(Temp.Path, "outbox");
        var signerEnvironment = new Dictionary<string, string?>
        {
            ["SmimePipeline__Roles"] = "Signer",
            ["SmimePipeline__Transport"] = "RabbitMq",
            ["SmimePipeline__RabbitMq__Uri"] = VirtualHost.AmqpUri.ToString(),
            ["SmimePipeline__Signer__StorePath"] = Pki.StorePath,
            ["SmimePipeline__Signer__Concurrency"] = "2",
            ["SmimePipeline__ShutdownTimeout"] = shutdownTimeout.ToString(),
        };
        await using var sender = await WorkerHost.StartAsync(WorkerSettings("Sender", outbox));
        var first = await WorkerProcess.StartAsync(signerEnvironment, Temp.Path);

        await PublishAsync(
            Enumerable.Range(0, count).Select(i => TestMails.Create(i, Pki.SenderAddress, Pki.EcdsaSenderAddress, Pki.RecipientAddresses)).ToList(),
            inFlight: 100);

        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length >= 20),
            TimeSpan.FromSeconds(60),
            () => $"the signer never got going:\n{first.Output}");

        // The grace period Kubernetes would give: the shutdown timeout plus the smallest margin the chart's examples leave
        // (values-small.yaml: 30 s and 45 s). Before session 15 the bound was the timeout plus 5 s, a wall-clock figure that
        // a loaded 2-core machine (the process's own teardown, the broker's channel close) could pass on a correct build.
        var grace = shutdownTimeout + TimeSpan.FromSeconds(15);
        var exitedAfter = await first.TerminateAsync(grace);
        var deliveredAtStop = Directory.GetFiles(outbox, "*.eml").Length;
        Assert.True(exitedAfter < grace, $"the signer took {exitedAfter.TotalSeconds:F1} s to exit");
        Assert.Equal(0, first.ExitCode);
        Assert.True(deliveredAtStop < count, "the stream had already finished: the SIGTERM did not land mid-stream");
        await first.DisposeAsync();

        // The mail the first signer did not finish is still on the queue; a new signer takes it.
        await using var second = await WorkerProcess.StartAsync(signerEnvironment, Temp.Path);
        await Eventually.HoldsAsync(
            () => Task.FromResult(Directory.GetFiles(outbox, "*.eml").Length == count),
            TimeSpan.FromMinutes(2),
            () => $"{Directory.GetFiles(outbox, "*.eml").Length} of {count} mails delivered after the restart");
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-protect_error"));
        Assert.Equal(0, await VirtualHost.CountMessagesAsync("smime-deliver_error"));
    }
}
